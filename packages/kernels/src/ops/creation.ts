/**
 * Tensors made on the GPU without an upload: `full`, `zeros`, `ones`, and their `*Like` forms.
 */
import { bindings, flatMain, kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import type { DType, Tensor } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

const WG = 256;
/** The fill value travels as f32 and is converted in the f16 kernel. */
const U = uniformStruct({ n: 'u32', value: 'f32' });
const fillKernels = {
  f32: kernel('full', 'f32', () => `
${bindings([], [['out', 'f32']], U.wgsl)}
${flatMain(WG, '  if (idx < u.n) { out[idx] = u.value; }')}`),
  f16: kernel('full', 'f16', () => `
${bindings([], [['out', 'f16']], U.wgsl)}
${flatMain(WG, '  if (idx < u.n) { out[idx] = f16(u.value); }')}`, true),
};

/** A tensor of `shape` filled with `value` (f32, or f16 where the adapter has shader-f16). */
export function full(rt: Runtime, shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`full: only f32 and f16 are supported, got ${dtype}`);
  const out = rt.empty(shape, dtype, 'full');
  rt.dispatch(fillKernels[dtype], { write: [out], uniforms: U.pack({ n: out.size, value }), workgroups: Math.ceil(out.size / WG) });
  return out;
}

export const zeros = (rt: Runtime, shape: readonly number[], dtype: DType = 'f32'): Tensor => full(rt, shape, 0, dtype);
export const ones = (rt: Runtime, shape: readonly number[], dtype: DType = 'f32'): Tensor => full(rt, shape, 1, dtype);
/** Same shape, and the same dtype for f16 (f32 otherwise). */
const likeType = (t: Tensor): DType => (t.dtype === 'f16' ? 'f16' : 'f32');
export const zerosLike = (t: Tensor): Tensor => full(t.rt, t.shape, 0, likeType(t));
export const onesLike = (t: Tensor): Tensor => full(t.rt, t.shape, 1, likeType(t));
export const fullLike = (t: Tensor, value: number): Tensor => full(t.rt, t.shape, value, likeType(t));

/**
 * Tensors made on the GPU without an upload: `full`, `zeros`, `ones`, and their `*Like` forms.
 */
import { bindings, f32, flatMain, kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import type { DType, Tensor } from '../tensor.js';

const WG = 256;
const fillKernel = kernel('full', 'f32', () => `
${bindings([], [['out', 'f32']], 'n: u32, value: f32')}
${flatMain(WG, '  if (idx < u.n) { out[idx] = u.value; }')}`);

/** A tensor of `shape` filled with `value` (f32). */
export function full(rt: Runtime, shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
  if (dtype !== 'f32') throw new Error(`full: only f32 is supported, got ${dtype}`);
  const out = rt.empty(shape, 'f32', 'full');
  rt.dispatch(fillKernel, { write: [out], uniforms: [out.size, f32(value)], workgroups: Math.ceil(out.size / WG) });
  return out;
}

export const zeros = (rt: Runtime, shape: readonly number[]): Tensor => full(rt, shape, 0);
export const ones = (rt: Runtime, shape: readonly number[]): Tensor => full(rt, shape, 1);
export const zerosLike = (t: Tensor): Tensor => full(t.rt, t.shape, 0);
export const onesLike = (t: Tensor): Tensor => full(t.rt, t.shape, 1);
export const fullLike = (t: Tensor, value: number): Tensor => full(t.rt, t.shape, value);

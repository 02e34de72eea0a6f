/**
 * `cast`: converts between f32 and f16 (WGSL's value conversion: f32 → f16 rounds to nearest even;
 * f16 → f32 is exact). Its backward casts the gradient back to the input's type.
 *
 * f16 tensors need the adapter's `shader-f16` feature. What computes in f16:
 *  - elementwise unary and binary ops (with broadcasting) and their gradients where no reduction is
 *    needed (same shapes);
 *  - matmul and linear, with f16 operands, bias and result and f32 sums; gradients for unbatched
 *    operands without bias;
 *  - reshape, permute/transpose, slice, concat (data movement).
 * Every other kernel refuses f16 tensors by name before dispatching (the runtime checks each
 * dispatch); cast to f32 first. Values beyond ±65504 do not fit in f16.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

export type FloatDType = 'f32' | 'f16';

const WG = 256;
const U = uniformStruct({ n: 'u32' });

/** The key names both dtypes; the runtime compiles each key once. */
function castKernel(from: FloatDType, to: FloatDType): Kernel {
  return kernel('cast', `${from}->${to}`, () => `
${bindings([['X', from]], [['out', to]], U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  out[idx] = ${to}(X[idx]);`)}`, true);
}

/** x as `dtype` (x itself when it already is); differentiable. */
export function cast(x: Tensor, dtype: FloatDType): Tensor {
  x.rt.checkOwn('cast', x);
  const from = x.dtype;
  if (from !== 'f32' && from !== 'f16') throw new Error(`cast: expected an f32 or f16 tensor, got ${from} ${formatShape(x.shape)}`);
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`cast: can cast to f32 or f16, not ${String(dtype)}`);
  if (from === dtype) return x;
  const rt = x.rt;
  const out = rt.empty(x.shape, dtype, 'cast');
  rt.dispatch(castKernel(from, dtype), { read: [x], write: [out], uniforms: U.pack({ n: x.size }), workgroups: Math.ceil(x.size / WG) });
  return attach(out, 'cast', [x], (g) => [cast(g, from)], { higherOrder: true });
}

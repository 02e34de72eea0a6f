/**
 * The weight relayout that turns a stride-1 transposed convolution into a correlation:
 *
 *   convTranspose2d(x, w, p) = conv2d(x, ŵ, d·(k − 1) − p),
 *   ŵ[g·Cog + co, ci, ky, kx] = w[g·Cig + ci, co, kh − 1 − ky, kw − 1 − kx]
 *
 * for w [Cin, Cout/groups, kh, kw] (Cig = Cin/groups, Cog = Cout/groups): input and output
 * channels swap within each group and both tap axes reverse. One thread per weight, O(weights);
 * nothing is cached, the weights change every training step.
 */
import { bindings, flatMain, kernel } from '../kernel.js';
import type { Tensor } from '../tensor.js';

const WG = 64;

const flipKernel = kernel('convTranspose2d', 'flipWeight', () => `
${bindings([['W', 'f32']], [['out', 'f32']], 'total: u32, Cig: u32, Cog: u32, kk: u32')}
${flatMain(WG, `  if (idx >= u.total) { return; }
  // Destination [groups·Cog, Cig, kk] in order; the source is [groups·Cig, Cog, kk].
  let k = idx % u.kk;
  var r = idx / u.kk;
  let ci = r % u.Cig; r = r / u.Cig;
  let co = r % u.Cog;
  let g = r / u.Cog;
  // Flipping both axes of a row-major [kh, kw] block reverses it.
  out[idx] = W[((g * u.Cig + ci) * u.Cog + co) * u.kk + (u.kk - 1u - k)];`)}`);

/** ŵ [Cout, Cin/groups, kh, kw] from a transposed convolution's w [Cin, Cout/groups, kh, kw]. */
export function flipTransposeWeight(w: Tensor, groups: number): Tensor {
  const rt = w.rt;
  const [Cin, Cog, kh, kw] = w.shape;
  const Cig = Cin / groups;
  const out = rt.empty([Cog * groups, Cig, kh, kw], 'f32', 'convTranspose2d');
  const total = w.size;
  rt.dispatch(flipKernel, {
    read: [w],
    write: [out],
    uniforms: [total, Cig, Cog, kh * kw],
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

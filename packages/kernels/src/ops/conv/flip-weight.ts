/**
 * The weight relayout that turns a transposed convolution into correlations. At stride 1:
 *
 *   convTranspose2d(x, w, p) = conv2d(x, ŵ, d·(k − 1) − p),
 *   ŵ[g·Cog + co, ci, ky, kx] = w[g·Cig + ci, co, kh − 1 − ky, kw − 1 − kx]
 *
 * for w [Cin, Cout/groups, kh, kw] (Cig = Cin/groups, Cog = Cout/groups): input and output
 * channels swap within each group and both tap axes reverse. At stride s (dilation 1) each output
 * phase r (rows y ≡ r mod s) sees only the taps t ≡ c = (r + p) mod s: the phase is a stride-1
 * correlation with the L = ⌈(k − c)/s⌉ taps ŵ[…, j] = w[…, s·(L − 1 − j) + c], again flipped.
 * One thread per relaid weight, O(weights); nothing is cached, the weights change every step.
 */
import { bindings, flatMain, kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { uniformStruct } from '../../uniforms.js';

const WG = 64;

const U = uniformStruct({
  total: 'u32', Cig: 'u32', Cog: 'u32', kh: 'u32', kw: 'u32', Ly: 'u32', Lx: 'u32', sy: 'u32', sx: 'u32', cy: 'u32', cx: 'u32',
});

const flipKernel = kernel('convTranspose2d', 'flipWeight', () => `
${bindings([['W', 'f32']], [['out', 'f32']], U.wgsl)}
${flatMain(WG, `  if (idx >= u.total) { return; }
  // Destination [groups·Cog, Cig, Ly, Lx] in order; the source is [groups·Cig, Cog, kh, kw].
  let jx = idx % u.Lx;
  var r = idx / u.Lx;
  let jy = r % u.Ly; r = r / u.Ly;
  let ci = r % u.Cig; r = r / u.Cig;
  let co = r % u.Cog;
  let g = r / u.Cog;
  let ky = u.sy * (u.Ly - 1u - jy) + u.cy;
  let kx = u.sx * (u.Lx - 1u - jx) + u.cx;
  out[idx] = W[(((g * u.Cig + ci) * u.Cog + co) * (u.kh * u.kw)) + ky * u.kw + kx];`)}`);

/** Taps of phase c (0 ≤ c < s) along an axis of k taps at stride s. */
export const phaseTaps = (k: number, s: number, c: number): number => Math.ceil((k - c) / s);

/**
 * ŵ [Cout, Cin/groups, Ly, Lx] from a transposed convolution's w [Cin, Cout/groups, kh, kw]:
 * the flipped taps of phase (cy, cx) at stride (sy, sx); stride 1 and phase 0 flip the whole kernel.
 */
export function flipTransposeWeight(w: Tensor, groups: number, stride: readonly [number, number] = [1, 1], tapPhase: readonly [number, number] = [0, 0]): Tensor {
  const rt = w.rt;
  const [Cin, Cog, kh, kw] = w.shape;
  const Cig = Cin / groups;
  const Ly = phaseTaps(kh, stride[0], tapPhase[0]);
  const Lx = phaseTaps(kw, stride[1], tapPhase[1]);
  const out = rt.empty([Cog * groups, Cig, Ly, Lx], 'f32', 'convTranspose2d');
  const total = out.size;
  rt.dispatch(flipKernel, {
    read: [w],
    write: [out],
    uniforms: U.pack({ total, Cig, Cog, kh, kw, Ly, Lx, sy: stride[0], sx: stride[1], cy: tapPhase[0], cx: tapPhase[1] }),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

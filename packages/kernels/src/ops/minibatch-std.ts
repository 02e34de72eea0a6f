/**
 * Minibatch standard deviation, as the discriminator epilogue of stylegan2-ada-pytorch computes
 * it (`training/networks.py::MinibatchStdLayer`):
 *
 *   G = min(groupSize, N) (the whole batch for groupSize null), F = numChannels, c = C / F,
 *   sample n = g·(N/G) + j belongs to group j (the official reshape(G, −1, F, c, H, W));
 *   σ[j, f, cc, p] = sqrt(mean_g (x − mean_g x)² + 1e-8)   (biased variance over the group)
 *   stat[j, f]     = mean over cc and p of σ
 *   out            = concat([x, stat[j(n), f] repeated over H×W], channel axis) → [N, C + F, H, W]
 *
 * N must be a multiple of G and C of F (the official reshape fails otherwise; here an Error).
 *
 * Kernels: the statistic, one workgroup per (group, channel group), each thread looping over the
 * G members of its elements (two passes: mean, then variance, as the official code); then one
 * elementwise kernel for the concatenation.
 * Backward: with g the output gradient and S[j, f] = Σ over the group's samples and pixels of g
 * on the extra channel f, ∂σ/∂x_g = (x_g − μ)/(G·σ) (the mean's own term cancels), so
 *   dx = g[:, :C] + S[j, f]/(c·H·W) · (x − μ)/(G·σ),
 * one reduction kernel for S and one elementwise kernel (a thread per group element) for dx.
 */
import { grad } from '../autograd.js';
import { attach } from '../grad-node.js';
import { expand } from './broadcast.js';
import { addScalar, sqrt, square, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { concat, reshape } from './shape.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

const OP = 'minibatchStd';
const WG = 256;
const ROW_WG = 64;

export interface MinibatchStdOptions {
  /** Samples per group; min(groupSize, N) is used, null = the whole batch. Default 4 (the official default). */
  groupSize?: number | null;
  /** Number of statistics channels F (C must be a multiple). Default 1. */
  numChannels?: number;
}

const DIMS_U = uniformStruct({ G: 'u32', nG: 'u32', C: 'u32', F: 'u32', c: 'u32', P: 'u32' });
const CONCAT_U = uniformStruct({ total: 'u32', C: 'u32', F: 'u32', P: 'u32', nG: 'u32' });

/** Per element e = (j, ch, p) of a group: the group's mean and σ over its G members, as WGSL. */
const GROUP_STATS = `
fn memberIndex(g: u32, j: u32, ch: u32, p: u32) -> u32 { return ((g * u.nG + j) * u.C + ch) * u.P + p; }
fn groupMeanStd(j: u32, ch: u32, p: u32) -> vec2f {
  var mean = 0.0;
  for (var g = 0u; g < u.G; g++) { mean += X[memberIndex(g, j, ch, p)]; }
  mean = mean / f32(u.G);
  var v = 0.0;
  for (var g = 0u; g < u.G; g++) { let d = X[memberIndex(g, j, ch, p)] - mean; v = fma(d, d, v); }
  return vec2f(mean, sqrt(v / f32(u.G) + 1e-8));
}`;

/** stat[j, f] = mean of σ over the c·P elements of channel group f; one workgroup per (j, f). */
const statKernel = kernel(OP, 'stat', () => `
${bindings([['X', 'f32']], [['stat', 'f32']], DIMS_U.wgsl)}
${GROUP_STATS}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.nG * u.F) { return; }
  let j = row / u.F; let f = row % u.F;
  let M = u.c * u.P;
  var acc = 0.0;
  for (var e = lid; e < M; e += ${ROW_WG}u) { acc += groupMeanStd(j, f * u.c + e / u.P, e % u.P).y; }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { stat[row] = part[0] / f32(M); }
}`);

/** out = concat(x, stat broadcast), [N, C + F, H, W]. */
const concatKernel = kernel(OP, 'concat', () => `
${bindings([['X', 'f32'], ['stat', 'f32']], [['out', 'f32']], CONCAT_U.wgsl)}
${flatMain(WG, `  if (idx >= u.total) { return; }
  let CF = u.C + u.F;
  let p = idx % u.P;
  let ch = (idx / u.P) % CF;
  let n = idx / (u.P * CF);
  if (ch < u.C) { out[idx] = X[(n * u.C + ch) * u.P + p]; }
  else { out[idx] = stat[(n % u.nG) * u.F + ch - u.C]; }`)}`);

/** S[j, f] = Σ_{g, p} gOut[g·nG + j, C + f, p]; one workgroup per (j, f). */
const statGradKernel = kernel(OP, 'statGrad', () => `
${bindings([['Gout', 'f32']], [['S', 'f32']], DIMS_U.wgsl)}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.nG * u.F) { return; }
  let j = row / u.F; let f = row % u.F;
  let CF = u.C + u.F;
  var acc = 0.0;
  for (var e = lid; e < u.G * u.P; e += ${ROW_WG}u) {
    let g = e / u.P; let p = e % u.P;
    acc += Gout[((g * u.nG + j) * CF + u.C + f) * u.P + p];
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { S[row] = part[0]; }
}`);

/** dx for the G members of element (j, ch, p): the pass-through gradient plus the statistic's. */
const inputGradKernel = kernel(OP, 'inputGrad', () => `
${bindings([['X', 'f32'], ['Gout', 'f32'], ['S', 'f32']], [['DX', 'f32']], DIMS_U.wgsl)}
${GROUP_STATS}
${flatMain(WG, `  if (idx >= u.nG * u.C * u.P) { return; }
  let p = idx % u.P;
  let ch = (idx / u.P) % u.C;
  let j = idx / (u.P * u.C);
  let ms = groupMeanStd(j, ch, p);
  let coef = S[j * u.F + ch / u.c] / (f32(u.c * u.P) * f32(u.G) * ms.y);
  let CF = u.C + u.F;
  for (var g = 0u; g < u.G; g++) {
    let n = g * u.nG + j;
    let xi = memberIndex(g, j, ch, p);
    DX[xi] = fma(coef, X[xi] - ms.x, Gout[(n * CF + ch) * u.P + p]);
  }`)}`);

/** MinibatchStdLayer (see the file comment): [N, C, H, W] → [N, C + F, H, W], differentiable in x. */
export function minibatchStd(x: Tensor, opts: MinibatchStdOptions = {}): Tensor {
  const rt = x.rt;
  rt.checkOwn(OP, x);
  const groupSize = opts.groupSize === undefined ? 4 : opts.groupSize;
  const F = opts.numChannels ?? 1;
  const desc = `x ${formatShape(x.shape)}, groupSize ${groupSize}, numChannels ${F}`;
  if (x.dtype !== 'f32') throw new Error(`${OP}: expected an f32 tensor (${desc}, dtype ${x.dtype})`);
  if (x.rank !== 4) throw new Error(`${OP}: x must be [N, C, H, W] (${desc})`);
  if (groupSize !== null && !(Number.isInteger(groupSize) && groupSize >= 1)) throw new Error(`${OP}: groupSize must be a positive integer or null (${desc})`);
  if (!(Number.isInteger(F) && F >= 1)) throw new Error(`${OP}: numChannels must be a positive integer (${desc})`);
  const [N, C, H, W] = x.shape;
  if (x.size === 0) throw new Error(`${OP}: empty input (${desc})`);
  const G = groupSize === null ? N : Math.min(groupSize, N);
  if (N % G !== 0) throw new Error(`${OP}: batch ${N} is not a multiple of the group size ${G} (${desc})`);
  if (C % F !== 0) throw new Error(`${OP}: ${C} channels do not split into ${F} statistics channels (${desc})`);
  const nG = N / G;
  const c = C / F;
  const P = H * W;
  const dims = DIMS_U.pack({ G, nG, C, F, c, P });

  const stat = rt.empty([nG, F], 'f32', OP);
  rt.dispatch(statKernel, { read: [x], write: [stat], uniforms: dims, workgroups: nG * F });
  const out = rt.empty([N, C + F, H, W], 'f32', OP);
  rt.dispatch(concatKernel, { read: [x, stat], write: [out], uniforms: CONCAT_U.pack({ total: out.size, C, F, P, nG }), workgroups: Math.ceil(out.size / WG) });
  return attach(
    out,
    OP,
    [x],
    (g, ctx) => {
      // A double backward differentiates the layer rebuilt from recorded ops (the same formula).
      if (ctx.createGraph) return grad(composite(x, G, F), [x], { gradOutputs: g, createGraph: true });
      const S = rt.empty([nG, F], 'f32', OP);
      rt.dispatch(statGradKernel, { read: [g], write: [S], uniforms: dims, workgroups: nG * F });
      const dx = rt.empty(x.shape, 'f32', OP);
      rt.dispatch(inputGradKernel, { read: [x, g, S], write: [dx], uniforms: dims, workgroups: Math.ceil((nG * C * P) / WG) });
      return [dx];
    },
    { higherOrder: true },
  );
}

/**
 * The layer as a composition of differentiable ops (each with a double backward), as the official
 * code writes it; used only under createGraph, where its recorded gradient is the one needed.
 */
function composite(x: Tensor, G: number, F: number): Tensor {
  const [N, C, H, W] = x.shape;
  const nG = N / G;
  const y = reshape(x, [G, nG, F, C / F, H, W]);
  const d = sub(y, mean(y, 0, true));
  const sigma = sqrt(addScalar(mean(square(d), 0), 1e-8)); // [nG, F, c, H, W]
  const stat = mean(sigma, [2, 3, 4]); // [nG, F]
  const repeated = expand(reshape(stat, [1, nG, F, 1, 1]), [G, nG, F, H, W]);
  return concat([x, reshape(repeated, [N, F, H, W])], 1);
}

/**
 * StyleGAN2's noise injection: out = x + noise · strength, with single-channel noise broadcast
 * over the channels (stylegan2-ada-pytorch `training/networks.py::SynthesisLayer.forward`:
 * `noise = randn([N, 1, res, res]) * noise_strength`, or the `noise_const [res, res]` buffer
 * for every sample, added after demodulation; rosinality's `NoiseInjection` is the same).
 *
 *   x [N, C, H, W], noise [N or 1, 1, H, W], strength a one-element tensor (the learnt
 *   `noise_strength`) or a plain number.
 *
 * One fused elementwise kernel forward. Backward: dx = g; with G[m, p] = Σ g[n, c, p] over the
 * channels (and over the batch when the noise is shared), dnoise = G · strength and
 * dstrength = Σ G · noise. G is one kernel (a thread per noise pixel); the rest is two small ops.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { mul, mulScalar } from './elementwise.js';
import { sum } from './broadcast.js';
import { reshape } from './shape.js';

const OP = 'addNoise';
const WG = 256;

const FORWARD_U = uniformStruct({ total: 'u32', CP: 'u32', P: 'u32', noiseBatch: 'u32', strength: 'f32' });
const SUM_U = uniformStruct({ N: 'u32', C: 'u32', P: 'u32', noiseBatch: 'u32' });

/** The forward with the strength as a uniform or (`strengthTensor`) read from a one-element tensor. */
function forwardWgsl(strengthTensor: boolean): string {
  return `
${bindings([['X', 'f32'], ['Nz', 'f32'], ...(strengthTensor ? ([['Str', 'f32']] as Array<[string, string]>) : [])], [['out', 'f32']], FORWARD_U.wgsl)}
${flatMain(WG, `  if (idx >= u.total) { return; }
  let n = idx / u.CP;
  let p = idx % u.P;
  let m = select(0u, n, u.noiseBatch > 1u);
  out[idx] = fma(Nz[m * u.P + p], ${strengthTensor ? 'Str[0]' : 'u.strength'}, X[idx]);`)}`;
}

const forwardKernels = {
  uniform: kernel(OP, 'fwd:0', () => forwardWgsl(false)),
  tensor: kernel(OP, 'fwd:1', () => forwardWgsl(true)),
};

/** G[m, p] = Σ_c g[m, c, p] (noise per sample), or Σ_{n, c} g[n, c, p] (shared noise). */
const channelSumKernel = kernel(OP, 'channelSum', () => `
${bindings([['Gr', 'f32']], [['out', 'f32']], SUM_U.wgsl)}
${flatMain(WG, `  if (idx >= u.noiseBatch * u.P) { return; }
  let m = idx / u.P;
  let p = idx % u.P;
  let n0 = select(0u, m, u.noiseBatch > 1u);
  let n1 = select(u.N, m + 1u, u.noiseBatch > 1u);
  var acc = 0.0;
  for (var n = n0; n < n1; n++) {
    for (var c = 0u; c < u.C; c++) { acc += Gr[(n * u.C + c) * u.P + p]; }
  }
  out[idx] = acc;`)}`);

/** x + noise · strength (see the file comment); differentiable in x, noise and a tensor strength. */
export function addNoise(x: Tensor, noise: Tensor, strength: Tensor | number): Tensor {
  const rt = x.rt;
  const isTensor = strength instanceof Tensor;
  const shapes = `x ${formatShape(x.shape)}, noise ${formatShape(noise.shape)}${isTensor ? `, strength ${formatShape(strength.shape)}` : ''}`;
  for (const t of isTensor ? [x, noise, strength] : [x, noise]) {
    rt.checkOwn(OP, t);
    if (t.dtype !== 'f32') throw new Error(`${OP}: expected f32 tensors, got ${t.dtype} (${shapes})`);
  }
  if (x.rank !== 4) throw new Error(`${OP}: x must be [N, C, H, W] (${shapes})`);
  const [N, C, H, W] = x.shape;
  const s = noise.shape;
  if (noise.rank !== 4 || (s[0] !== N && s[0] !== 1) || s[1] !== 1 || s[2] !== H || s[3] !== W) {
    throw new Error(`${OP}: noise must be [${N} or 1, 1, ${H}, ${W}] (${shapes})`);
  }
  if (isTensor && strength.size !== 1) throw new Error(`${OP}: strength must have one element (${shapes})`);
  if (!isTensor && !Number.isFinite(strength)) throw new Error(`${OP}: strength must be finite, got ${strength} (${shapes})`);

  const P = H * W;
  const noiseBatch = s[0];
  const out = rt.empty(x.shape, 'f32', OP);
  rt.dispatch(isTensor ? forwardKernels.tensor : forwardKernels.uniform, {
    read: isTensor ? [x, noise, strength] : [x, noise],
    write: [out],
    uniforms: FORWARD_U.pack({ total: x.size, CP: C * P, P, noiseBatch, strength: isTensor ? 0 : strength }),
    workgroups: Math.ceil(x.size / WG),
  });
  return attach(out, OP, isTensor ? [x, noise, strength] : [x, noise], (g) => {
    let dnoise: Tensor | null = null;
    let dstrength: Tensor | null = null;
    if (noise.requiresGrad || (isTensor && strength.requiresGrad)) {
      const G = rt.empty(noise.shape, 'f32', OP);
      rt.dispatch(channelSumKernel, { read: [g], write: [G], uniforms: SUM_U.pack({ N, C, P, noiseBatch }), workgroups: Math.ceil(G.size / WG) });
      if (noise.requiresGrad) dnoise = isTensor ? mul(G, reshape(strength, [1])) : mulScalar(G, strength);
      if (isTensor && strength.requiresGrad) dstrength = reshape(sum(mul(G, noise)), strength.shape);
    }
    return isTensor ? [g, dnoise, dstrength] : [g, dnoise];
  });
}

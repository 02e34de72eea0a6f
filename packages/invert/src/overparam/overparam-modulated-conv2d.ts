/**
 * Overparameterised style modulation (Poirier-Ginter et al. 2022, "Overparameterization Improves StyleGAN
 * Inversion", arXiv 2205.06304): every output channel o of a layer has its own latent w_o, mapped through the
 * layer's affine A to its own style vector s[n, o, :] = A(w_o). The convolution is StyleGAN2's modulated
 * convolution (NVIDIA's `modulated_conv2d` / `conv2d_resample` conventions) with a style per (o, i) pair:
 *
 *   x [N, I, H, W], weight [O, I, kh, kw], styles [N, O, I]
 *   w'[n,o,i,k] = weight[o,i,k] · s[n,o,i]
 *   d[n,o]      = rsqrt(Σ_{i,k} w'[n,o,i,k]² + 1e-8)          (demodulation, when on)
 *   out[n]      = conv(x[n], w'[n]·d[n])                        (per-sample weights)
 *
 * With s[n,o,:] equal for every o this is exactly `modulatedConv2d` (tested). Built from differentiable ops
 * (broadcast multiply, sum, rsqrt, grouped conv2d / conv_transpose2d, upfirdn2d), so its backward is the
 * composition of theirs: the per-sample weights are the grouped convolution NVIDIA's fused path uses
 * (x reshaped to [1, N·I, H, W], groups = N). Up-sampling follows `conv2d_resample` for up = 2: a stride-2
 * transposed convolution with the unflipped wᵀ (H → (H−1)·2 + kh), then the FIR with padding
 * ((kh − 1) − p, the same on both sides for kh = 3, p = 1) and gain up² (→ 2H).
 *
 * The unofficial wmpscc/OverparamStyleGAN shares one latent matrix across layers; here each layer has its own
 * [O, w_dim] latent matrix (the paper's per-layer, per-channel overparameterisation).
 */
import {
  type FirFilter,
  type Tensor,
  addScalar,
  conv2d,
  convTranspose2d,
  mul,
  permute,
  reshape,
  rsqrt,
  setupFilter,
  square,
  sum,
  upfirdn2d,
} from '@stylegpu/kernels';

export interface OverparamConvOptions {
  /** Divide each (sample, output channel) by the norm of its modulated weight. Default true. */
  demodulate?: boolean;
  /** 1 or 2 (transposed convolution + FIR). Default 1. */
  up?: 1 | 2;
  /** Zero padding of the convolution. Default kh // 2. */
  padding?: number;
  /** The up-sampling FIR. Default setupFilter([1, 3, 3, 1]). */
  resampleFilter?: FirFilter;
}

const DEFAULT_FILTER = setupFilter([1, 3, 3, 1]);

export function overparamModulatedConv2d(x: Tensor, weight: Tensor, styles: Tensor, opts: OverparamConvOptions = {}): Tensor {
  const [N, I, H, W] = x.shape;
  const [O, wi, kh, kw] = weight.shape;
  if (x.rank !== 4 || weight.rank !== 4 || wi !== I || styles.rank !== 3 || styles.shape[0] !== N || styles.shape[1] !== O || styles.shape[2] !== I) {
    throw new Error(
      `overparamModulatedConv2d: expected x [N, I, H, W], weight [O, I, kh, kw], styles [N, O, I]; got x [${x.shape.join(', ')}], ` +
        `weight [${weight.shape.join(', ')}], styles [${styles.shape.join(', ')}]`,
    );
  }
  const up = opts.up ?? 1;
  const p = opts.padding ?? Math.floor(kh / 2);
  let w = mul(reshape(weight, [1, O, I, kh, kw]), reshape(styles, [N, O, I, 1, 1]));
  if (opts.demodulate ?? true) w = mul(w, rsqrt(addScalar(sum(square(w), [2, 3, 4], true), 1e-8)));
  const xg = reshape(x, [1, N * I, H, W]);
  if (up === 1) {
    const y = conv2d(xg, reshape(w, [N * O, I, kh, kw]), null, { padding: p, groups: N });
    return reshape(y, [N, O, y.shape[2], y.shape[3]]);
  }
  if (up !== 2) throw new Error(`overparamModulatedConv2d: up must be 1 or 2, got ${up}`);
  const f = opts.resampleFilter ?? DEFAULT_FILTER;
  const fw = f.shape[f.shape.length - 1];
  // conv2d_resample's padding for up = 2: FIR pads (fw + up − 1)//2 + p − (kw − 1) before, (fw − up)//2 + p − (kw − up) after.
  const pad0 = Math.floor((fw + up - 1) / 2) + p - (kw - 1);
  const pad1 = Math.floor((fw - up) / 2) + p - (kw - up);
  if (pad0 < 0 || pad1 < 0) throw new Error(`overparamModulatedConv2d: kernel ${kh}×${kw} with padding ${p} needs a padded transposed convolution, which is not supported`);
  const wt = reshape(permute(w, [0, 2, 1, 3, 4]), [N * I, O, kh, kw]);
  const t = convTranspose2d(xg, wt, null, { stride: 2, groups: N });
  const y = upfirdn2d(t, f, { padding: [pad0, pad1, pad0, pad1], gain: up * up });
  return reshape(y, [N, O, y.shape[2], y.shape[3]]);
}

/**
 * The one description of a convolution that every kernel in this folder reads. `conv2d`,
 * `convTranspose2d`, `conv2dWeightGrad` and `modulatedConv2d` (and their backwards) build one and
 * hand it to a variant (regblock.ts, shuffle.ts, tiled.ts, transposed.ts, weight-grad.ts):
 *
 *   correlation (transposed = false), per sample n and group g:
 *     out[n, g·Mg + co, oy, ox] = post[n, g·Mg + co] · Σ_{ci < Kg, ky, kx} W(n, g, co, ci, k)
 *                                   · pre[n, g·Kg + ci] · x[n, g·Kg + ci, oy·sy − py + ky·dy, ox·sx − px + kx·dx]
 *                                 + bias[g·Mg + co]
 *   transposed convolution (transposed = true): the adjoint gather, x[iy, ix] with oy = iy·sy − py + ky·dy.
 *
 *   W(n, g, co, ci, k) = weight[n·wBatch + g·wGroup + co·wCo + ci·wCi + (flip ? kh·kw − 1 − k : k)]
 *
 * with Kg = Cin/groups, Mg = Cout/groups, zero outside the image, and pre (StyleGAN2's modulation
 * folded onto the input), post (demodulation), bias all optional (1, 1, 0). The weight strides
 * let every caller's layout be read in place: conv2d's [Cout, Kg, kh, kw] is (wCo, wCi) = (Kg·kh·kw, kh·kw),
 * convTranspose2d's [Cin, Cout/g, kh, kw] and modulatedConv2d's adjoint are (kh·kw, Mg·kh·kw),
 * and the unfused modulated route has one weight per sample (wBatch > 0).
 *
 * Noise is not part of the core: modulatedConv2d adds it after its FIR (up > 1), so it stays there.
 */
import type { Tensor } from '../../tensor.js';

/** Where a correlation writes: pixel (oy, ox) goes to (oy·fy + ry, ox·fx + rx) of `out` (a strided transpose's phase). */
export interface OutputPhase {
  out: Tensor;
  fy: number;
  fx: number;
  ry: number;
  rx: number;
}

/** The geometry alone (sizes, stride, padding, dilation, groups): what the launches size their grids by. */
export interface ConvGeometry {
  N: number;
  /** Channels and size of the tensor the K loop reads (x). */
  Cin: number;
  H: number;
  W: number;
  /** Channels and size of the result. */
  Cout: number;
  OH: number;
  OW: number;
  kh: number;
  kw: number;
  sy: number;
  sx: number;
  /** Top and left padding (the output size carries the rest; asymmetric padding is allowed). */
  py: number;
  px: number;
  dy: number;
  dx: number;
  groups: number;
}

export interface ConvSpec extends ConvGeometry {
  /** Op name: errors and the pipeline cache key. */
  op: string;
  /** Correlation (false) or its adjoint, the transposed convolution (true). */
  transposed: boolean;
  /** [N, Cin, H, W]. */
  x: Tensor;
  weight: Tensor;
  /** Weight strides per group, per output channel, per input channel, per sample (0 = shared). */
  wGroup: number;
  wCo: number;
  wCi: number;
  wBatch: number;
  /** Applies the taps reversed (a true convolution). */
  flip: boolean;
  /** [N, Cin]: scales the input (modulation). */
  pre?: Tensor;
  /** [N, Cout]: scales the sums (demodulation). */
  post?: Tensor;
  /** [Cout], added last. */
  bias?: Tensor;
  /** Store into one phase of a larger output instead of a new tensor. */
  phase?: OutputPhase;
}

/** The CPU/GPU kernel shapes both ops choose between (see `conv2dVariant`, `modulatedConv2dVariant`). */
export type ConvVariant = 'shuffle' | 'regblock' | 'tiled';

/** Lanes sharing one weight row each in the `shuffle` kernels (lavapipe's subgroup is 8). */
export const SHUFFLE_LANES = 8;

/** The weight strides of a weight laid out [Cout, Cin/groups, kh, kw] (conv2d's). */
export function correlationStrides(g: ConvGeometry) {
  const wCo = (g.Cin / g.groups) * g.kh * g.kw;
  return { wGroup: (g.Cout / g.groups) * wCo, wCo, wCi: g.kh * g.kw, wBatch: 0 };
}

/** The weight strides of a weight laid out [Cin, Cout/groups, kh, kw] (convTranspose2d's). */
export function transposedStrides(g: ConvGeometry) {
  const wCi = (g.Cout / g.groups) * g.kh * g.kw;
  return { wGroup: (g.Cin / g.groups) * wCi, wCo: g.kh * g.kw, wCi, wBatch: 0 };
}

/** Seeded inputs and sampled float64 checks shared by the suites. */
import { mulberry32 } from '@stylegpu/kernels/testing';
import type { CheckResult } from './types.js';

/** mulberry32 → uniform [-1, 1) f32 data; a fixed seed keeps runs comparable. */
export function randomData(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** `count` indices spread over [0, n): both ends, then a stride that is coprime-ish with row lengths. */
export function sampleIndices(n: number, count: number): number[] {
  if (n <= count) return [...Array(n).keys()];
  const out = new Set<number>([0, n - 1]);
  const step = Math.max(1, Math.floor(n / count)) + 1;
  for (let i = 7, k = 0; out.size < count && k < 4 * count; i = (i + step * 7919) % n, k++) out.add(i);
  return [...out];
}

/**
 * Compares sampled GPU values with float64 references. `scale[i]` is the error scale of sample i
 * (e.g. Σ|terms| of a dot product): the bound is relTol · scale, so cancellation cannot fail a correct kernel.
 */
export function compareSamples(gpu: ArrayLike<number>, indices: readonly number[], ref: (i: number) => { value: number; scale: number }, relTol: number): CheckResult {
  // Reported: the sample closest to (or furthest over) its bound.
  let worst = { ratio: -1, err: 0, bound: 0 };
  for (const i of indices) {
    const { value, scale } = ref(i);
    const err = Math.abs(gpu[i] - value);
    const bound = relTol * Math.max(scale, 1e-30);
    const ratio = Number.isFinite(err) ? err / bound : Infinity;
    if (ratio > worst.ratio) worst = { ratio, err, bound };
  }
  return { ok: worst.ratio <= 1, maxAbsErr: worst.err, tolerance: worst.bound, samples: indices.length };
}

/** One output of a stride-1 cross-correlation (PyTorch conv2d), NCHW input, OIHW weight, zero padding. */
export function conv2dAt(
  x: Float32Array,
  w: Float32Array,
  s: { N: number; C: number; H: number; W: number; O: number; k: number; pad: number },
  flatOut: number,
): { value: number; scale: number } {
  const Ho = s.H + 2 * s.pad - s.k + 1;
  const Wo = s.W + 2 * s.pad - s.k + 1;
  const ox = flatOut % Wo;
  const oy = Math.floor(flatOut / Wo) % Ho;
  const o = Math.floor(flatOut / (Wo * Ho)) % s.O;
  const n = Math.floor(flatOut / (Wo * Ho * s.O));
  let value = 0;
  let scale = 0;
  for (let c = 0; c < s.C; c++) {
    for (let ky = 0; ky < s.k; ky++) {
      const iy = oy + ky - s.pad;
      if (iy < 0 || iy >= s.H) continue;
      for (let kx = 0; kx < s.k; kx++) {
        const ix = ox + kx - s.pad;
        if (ix < 0 || ix >= s.W) continue;
        const t = x[((n * s.C + c) * s.H + iy) * s.W + ix] * w[((o * s.C + c) * s.k + ky) * s.k + kx];
        value += t;
        scale += Math.abs(t);
      }
    }
  }
  return { value, scale };
}

export interface FirParams {
  up: number;
  down: number;
  /** [px0, px1, py0, py1] on the upsampled image. */
  pad: readonly [number, number, number, number];
  gain: number;
}

/**
 * One output of the official upfirdn2d (zero-insertion up, pad, true convolution with the 2-D
 * filter f [fh, fw] scaled by gain, keep every down-th) on one channel plane x [H, W].
 */
export function upfirdn2dAt(x: Float32Array, plane: number, H: number, W: number, f: Float32Array, fh: number, fw: number, p: FirParams, oy: number, ox: number): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (let fy = 0; fy < fh; fy++) {
    const uy = oy * p.down + fy - p.pad[2]; // row in the upsampled image
    if (uy < 0 || uy % p.up !== 0 || uy / p.up >= H) continue;
    for (let fx = 0; fx < fw; fx++) {
      const ux = ox * p.down + fx - p.pad[0];
      if (ux < 0 || ux % p.up !== 0 || ux / p.up >= W) continue;
      const t = x[plane * H * W + (uy / p.up) * W + ux / p.up] * f[(fh - 1 - fy) * fw + (fw - 1 - fx)] * p.gain;
      value += t;
      scale += Math.abs(t);
    }
  }
  return { value, scale };
}

/** StyleGAN2's [1,3,3,1] ⊗ [1,3,3,1] / 64 as a flat 4×4 filter. */
export function fir1331(): Float32Array {
  const t = [1, 3, 3, 1];
  return Float32Array.from({ length: 16 }, (_, i) => (t[Math.floor(i / 4)] * t[i % 4]) / 64);
}

/**
 * Kernel cases at StyleGAN2 shapes (config-f channels: 512 up to 64 px, then 256/128/64/32):
 *  - upfirdn2d: the skip path's 2× image upsampling, the 4×4 FIR after a stride-2 transposed conv,
 *    and the 2× downsampling of the discriminator/projector;
 *  - biasAct: lrelu with bias, gain √2 and clamp 256, as every synthesis layer ends;
 *  - conv2d: 3×3 same convs and the 1×1 ToRGB, forward and forward+backward (peers run the 3×3s);
 *  - modulatedConv2d: fused (per-sample modulation inside the kernel) vs the unfused route, batch
 *    1 and 4, and the up-2 layer (transposed conv + FIR); 512 ch at 8–64 px and 128 ch at 256 px.
 * FLOPs count useful multiply-adds ×2 (polyphase taps for FIR, transposed conv at input resolution).
 */
import type * as K from '@stylegpu/kernels';
import { op, opCase } from './op-case.js';
import { conv2dAt, fir1331, type FirParams, upfirdn2dAt } from './reference.js';
import type { BenchCase, PeerWork, RuntimeName } from './types.js';

const SUITE = 'kernels';

interface FirFilterLike {
  data: Float32Array;
  shape: readonly number[];
}
type SetupFilter = (taps: readonly number[], opts?: { gain?: number }) => FirFilterLike;
type Upfirdn2d = (x: K.Tensor, f: FirFilterLike, opts: { up?: number; down?: number; padding?: readonly number[]; gain?: number }) => K.Tensor;
type BiasAct = (x: K.Tensor, b?: K.Tensor, opts?: { dim?: number; act?: string; alpha?: number; gain?: number; clamp?: number }) => K.Tensor;
type Conv2d = (x: K.Tensor, w: K.Tensor, bias?: K.Tensor, opts?: { stride?: number; padding?: number; groups?: number }) => K.Tensor;
type ModConv = (x: K.Tensor, w: K.Tensor, styles: K.Tensor, opts?: Record<string, unknown>) => K.Tensor;

// ------------------------------------------------------------------------------ upfirdn2d

function firCase(label: string, N: number, C: number, H: number, W: number, p: FirParams, variant: 'blocked' | 'direct' = 'blocked'): BenchCase {
  const f = fir1331();
  const Ho = Math.floor((H * p.up + p.pad[2] + p.pad[3] - 4 + p.down) / p.down);
  const Wo = Math.floor((W * p.up + p.pad[0] + p.pad[1] - 4 + p.down) / p.down);
  const outs = N * C * Ho * Wo;
  return opCase({
    suite: SUITE,
    group: `upfirdn2d ${label} [${N},${C},${H},${W}]→${Ho}`,
    name: `upfirdn2d ${label} [${N},${C},${H},${W}]→${Ho} ${variant}`,
    op: 'upfirdn2d',
    variant,
    params: { N, C, H, W, up: p.up, down: p.down, taps: 4 },
    flops: (2 * outs * 16) / (p.up * p.up),
    bytes: (N * C * H * W + outs) * 4,
    inputs: [{ shape: [N, C, H, W], seed: 41 }],
    forward: ([x]) => op<Upfirdn2d>('upfirdn2d')(x, op<SetupFilter>('setupFilter')([1, 3, 3, 1]), { up: p.up, down: p.down, padding: p.pad, gain: p.gain }),
    reference: (i, [x]) => upfirdn2dAt(x, Math.floor(i / (Ho * Wo)), H, W, f, 4, 4, p, Math.floor(i / Wo) % Ho, i % Wo),
  });
}

// ------------------------------------------------------------------------------ biasAct

function biasActCase(N: number, C: number, R: number): BenchCase {
  const n = N * C * R * R;
  return opCase({
    suite: SUITE,
    group: `biasAct lrelu [${N},${C},${R},${R}]`,
    name: `biasAct lrelu+bias+gain+clamp [${N},${C},${R},${R}]`,
    op: 'biasAct',
    params: { N, C, H: R, W: R },
    flops: 4 * n,
    bytes: (2 * n + C) * 4,
    // Scaled so that some values reach the clamp.
    inputs: [
      { shape: [N, C, R, R], seed: 51, scale: 300 },
      { shape: [C], seed: 52 },
    ],
    forward: ([x, b]) => op<BiasAct>('biasAct')(x, b, { act: 'lrelu', clamp: 256 }),
    reference: (i, [x, b]) => {
      const c = Math.floor(i / (R * R)) % C;
      const v = x[i] + b[c];
      const y = (v >= 0 ? v : 0.2 * v) * Math.SQRT2;
      return { value: Math.max(-256, Math.min(256, y)), scale: Math.abs(x[i]) + Math.abs(b[c]) };
    },
  });
}

// ------------------------------------------------------------------------------ conv2d

export interface ConvShape {
  N: number;
  C: number;
  O: number;
  H: number;
  k: number;
}

export function convGroup(s: ConvShape): string {
  return `conv2d ${s.k}×${s.k} ${s.C}→${s.O} ${s.H}px N=${s.N}`;
}

function convCase(s: ConvShape, withBackward: boolean, variant?: 'shuffle' | 'regblock' | 'tiled'): BenchCase {
  const pad = (s.k - 1) / 2;
  const geo = { N: s.N, C: s.C, H: s.H, W: s.H, O: s.O, k: s.k, pad };
  const fwdFlops = 2 * s.N * s.O * s.H * s.H * s.C * s.k * s.k;
  const xSize = s.N * s.C * s.H * s.H;
  const ySize = s.N * s.O * s.H * s.H;
  const wSize = s.O * s.C * s.k * s.k;
  return opCase({
    suite: SUITE,
    group: withBackward ? `${convGroup(s)} fwd+bwd` : convGroup(s),
    name: `${withBackward ? `${convGroup(s)} fwd+bwd` : convGroup(s)}${variant ? ` ${variant}` : ''}`,
    op: 'conv2d',
    ...(variant ? { variant } : {}),
    params: { ...geo },
    flops: withBackward ? 3 * fwdFlops : fwdFlops,
    bytes: (withBackward ? 2 * (xSize + ySize + wSize) + xSize + ySize : xSize + wSize + ySize) * 4,
    inputs: [
      { shape: [s.N, s.C, s.H, s.H], seed: 11 },
      { shape: [s.O, s.C, s.k, s.k], seed: 12 },
    ],
    forward: ([x, w]) => op<Conv2d>('conv2d')(x, w, undefined, { padding: pad }),
    ...(withBackward ? { backward: { input: 0, gradSeed: 13 } } : {}),
    reference: (i, [x, w], g) => {
      if (!withBackward) return conv2dAt(x, w, geo, i);
      // dL/dx[n,c,y,x] = Σ_o Σ_ky,kx g[n,o,y−ky+pad,x−kx+pad] · w[o,c,ky,kx]
      const xx = i % s.H;
      const yy = Math.floor(i / s.H) % s.H;
      const c = Math.floor(i / (s.H * s.H)) % s.C;
      const n = Math.floor(i / (s.H * s.H * s.C));
      let value = 0;
      let scale = 0;
      for (let o = 0; o < s.O; o++) {
        for (let ky = 0; ky < s.k; ky++) {
          const oy = yy - ky + pad;
          if (oy < 0 || oy >= s.H) continue;
          for (let kx = 0; kx < s.k; kx++) {
            const ox = xx - kx + pad;
            if (ox < 0 || ox >= s.H) continue;
            const t = g![((n * s.O + o) * s.H + oy) * s.H + ox] * w[((o * s.C + c) * s.k + ky) * s.k + kx];
            value += t;
            scale += Math.abs(t);
          }
        }
      }
      return { value, scale };
    },
  });
}

// ------------------------------------------------------------------------------ modulatedConv2d

export interface ModConvShape {
  N: number;
  C: number;
  /** Input resolution (output is 2× with up-2). */
  H: number;
  up: 1 | 2;
}

/** Demodulation coefficients d[n, o] = 1/√(Σ_i,k (w·s)² + 1e-8), float64. */
function demodCoefs(w: Float32Array, s: Float32Array, N: number, O: number, I: number, kk: number): Float64Array {
  const d = new Float64Array(N * O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let acc = 0;
      for (let i = 0; i < I; i++) {
        const si = s[n * I + i];
        for (let k = 0; k < kk; k++) acc += (w[(o * I + i) * kk + k] * si) ** 2;
      }
      d[n * O + o] = 1 / Math.sqrt(acc + 1e-8);
    }
  }
  return d;
}

/** Returns the reference of one output of the official modulated_conv2d (3×3, padding 1, demodulated). */
function modConvReference(shape: ModConvShape) {
  const { N, C, H, up } = shape;
  const O = C;
  let d: Float64Array | null = null;
  const f = fir1331();
  return (idx: number, [x, w, s]: Float32Array[]) => {
    d ??= demodCoefs(w, s, N, O, C, 9);
    const Ho = H * up;
    const ox = idx % Ho;
    const oy = Math.floor(idx / Ho) % Ho;
    const o = Math.floor(idx / (Ho * Ho)) % O;
    const n = Math.floor(idx / (Ho * Ho * O));
    const dn = d[n * O + o];
    // term(i, iy, ix, ky, kx): x · w · s · d
    let value = 0;
    let scale = 0;
    if (up === 1) {
      for (let i = 0; i < C; i++) {
        const si = s[n * C + i] * dn;
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy + ky - 1;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox + kx - 1;
            if (ix < 0 || ix >= H) continue;
            const t = x[((n * C + i) * H + iy) * H + ix] * w[((o * C + i) * 3 + ky) * 3 + kx] * si;
            value += t;
            scale += Math.abs(t);
          }
        }
      }
      return { value, scale };
    }
    // up = 2: transposed conv stride 2, no padding (size 2H+1), then the 4×4 FIR, pad 1, gain 4.
    for (let fy = 0; fy < 4; fy++) {
      const Y = oy + fy - 1;
      for (let fx = 0; fx < 4; fx++) {
        const X = ox + fx - 1;
        if (Y < 0 || X < 0 || Y > 2 * H || X > 2 * H) continue;
        const tap = 4 * f[(3 - fy) * 4 + (3 - fx)];
        for (let ky = Y % 2; ky < 3; ky += 2) {
          const iy = (Y - ky) / 2;
          if (iy < 0 || iy >= H) continue;
          for (let kx = X % 2; kx < 3; kx += 2) {
            const ix = (X - kx) / 2;
            if (ix < 0 || ix >= H) continue;
            for (let i = 0; i < C; i++) {
              const t = x[((n * C + i) * H + iy) * H + ix] * w[((o * C + i) * 3 + ky) * 3 + kx] * s[n * C + i] * dn * tap;
              value += t;
              scale += Math.abs(t);
            }
          }
        }
      }
    }
    return { value, scale };
  };
}

function modConvCase(shape: ModConvShape, route: 'fused' | 'unfused', unfusedName: string, variant?: 'shuffle' | 'regblock' | 'tiled'): BenchCase {
  const { N, C, H, up } = shape;
  const Ho = H * up;
  const flops = 2 * N * C * C * 9 * H * H + (up === 2 ? 2 * N * C * Ho * Ho * 4 : 0);
  const fn = route === 'fused' ? 'modulatedConv2d' : unfusedName;
  const group = `modulatedConv2d ${C}ch ${H}px${up === 2 ? ` up2→${Ho}` : ''} N=${N}`;
  return opCase({
    suite: SUITE,
    group,
    name: `${group} ${route}${variant ? ` ${variant}` : ''}`,
    op: 'modulatedConv2d',
    ...(variant ? { variant } : {}),
    params: { N, C, H, up, route },
    flops,
    bytes: (N * C * H * H + C * C * 9 + N * C + N * C * Ho * Ho) * 4,
    inputs: [
      { shape: [N, C, H, H], seed: 61 },
      { shape: [C, C, 3, 3], seed: 62 },
      { shape: [N, C], seed: 63, scale: 0.5, offset: 1 },
    ],
    forward: ([x, w, s]) =>
      op<ModConv>(fn)(x, w, s, {
        demodulate: true,
        padding: 1,
        // As the synthesis network: flip_weight = (up == 1), so the up-2 layer runs conv_transpose2d(x, wᵀ) unflipped.
        flipWeight: up === 1,
        ...(up === 2 ? { up: 2, resampleFilter: op<SetupFilter>('setupFilter')([1, 3, 3, 1]) } : {}),
      }),
    reference: modConvReference(shape),
  });
}

// ------------------------------------------------------------------------------ selection

function convShapes(runtime: RuntimeName, quick: boolean): ConvShape[] {
  if (runtime === 'browser') return [{ N: 1, C: 256, O: 256, H: 8, k: 3 }];
  if (quick) return [{ N: 1, C: 512, O: 512, H: 16, k: 3 }];
  return [
    { N: 1, C: 512, O: 512, H: 16, k: 3 },
    { N: 1, C: 512, O: 512, H: 32, k: 3 },
    { N: 1, C: 256, O: 256, H: 128, k: 3 },
  ];
}

type Route = 'fused' | 'unfused';
const BOTH: Route[] = ['fused', 'unfused'];
const FUSED: Route[] = ['fused'];

/**
 * Which shapes run which route. A 3×3 512-channel layer at 64 px (and every layer above it: 256 ch
 * at 128, 128 at 256, 64 at 512 px) is ≈19 GFLOP per sample, 15–25 s per run on lavapipe under
 * load: the full run times two of them (512 ch at 64 px, 128 ch at 256 px — the same work as the
 * other two) and compares the routes at 8–16 px (batch 1 and 4), up-2 at 8 px and at 256 px.
 */
function modConvShapes(runtime: RuntimeName, quick: boolean): [ModConvShape, Route[]][] {
  if (runtime === 'browser') return [[{ N: 1, C: 512, H: 8, up: 1 }, BOTH], [{ N: 1, C: 256, H: 8, up: 2 }, BOTH]];
  if (quick) return [[{ N: 1, C: 512, H: 16, up: 1 }, BOTH], [{ N: 1, C: 512, H: 8, up: 2 }, BOTH]];
  return [
    [{ N: 1, C: 512, H: 8, up: 1 }, BOTH],
    [{ N: 1, C: 512, H: 16, up: 1 }, BOTH],
    [{ N: 1, C: 512, H: 32, up: 1 }, FUSED],
    [{ N: 1, C: 512, H: 64, up: 1 }, FUSED],
    [{ N: 1, C: 128, H: 256, up: 1 }, BOTH],
    [{ N: 4, C: 512, H: 8, up: 1 }, BOTH],
    [{ N: 4, C: 512, H: 16, up: 1 }, FUSED],
    [{ N: 1, C: 512, H: 8, up: 2 }, BOTH],
    [{ N: 1, C: 512, H: 16, up: 2 }, FUSED],
  ];
}

/** The unfused modulated conv route, under whichever name the kernels package exports it. */
export const UNFUSED_MODCONV_NAMES = ['modulatedConv2dUnfused', 'modulatedConv2dReference', 'modulatedConv2dComposed'];

export function styleganCases(runtime: RuntimeName, quick: boolean, has: (name: string) => boolean): { cases: BenchCase[]; skipped: string[] } {
  const cases: BenchCase[] = [];
  const skipped: string[] = [];
  if (has('upfirdn2d') && has('setupFilter')) {
    // Both kernels: `blocked` (the default, specialised) and `direct` (the general fallback).
    for (const v of ['blocked', 'direct'] as const) {
      if (runtime === 'browser') {
        cases.push(firCase('up2 (skip image)', 1, 3, 128, 128, { up: 2, down: 1, pad: [2, 1, 2, 1], gain: 4 }, v));
      } else {
        const R = quick ? 256 : 512;
        cases.push(firCase('up2 (skip image)', 1, 3, R, R, { up: 2, down: 1, pad: [2, 1, 2, 1], gain: 4 }, v));
        cases.push(firCase('FIR after up-conv', 1, 64, quick ? 257 : 513, quick ? 257 : 513, { up: 1, down: 1, pad: [1, 1, 1, 1], gain: 4 }, v));
        if (!quick) cases.push(firCase('down2', 1, 3, 1024, 1024, { up: 1, down: 2, pad: [1, 1, 1, 1], gain: 1 }, v));
      }
    }
  }
  if (has('biasAct')) {
    cases.push(runtime === 'browser' ? biasActCase(1, 256, 32) : biasActCase(quick ? 1 : 4, 512, 32));
  }
  if (has('conv2d')) {
    // Every kernel shape the adapter can run: SwiftShader has no 8-lane subgroups (no shuffle);
    // `tiled` is what GPUs choose, measured here to show what it costs a CPU adapter.
    const variants = runtime === 'browser' ? (['regblock', 'tiled'] as const) : (['shuffle', 'regblock', 'tiled'] as const);
    for (const s of convShapes(runtime, quick)) for (const v of variants) cases.push(convCase(s, false, v));
    cases.push(convCase(runtime === 'browser' ? { N: 1, C: 64, O: 64, H: 8, k: 3 } : { N: 1, C: 512, O: 512, H: quick ? 8 : 16, k: 3 }, true));
    if (runtime === 'node') cases.push(convCase({ N: 1, C: 512, O: 3, H: 64, k: 1 }, false));
  }
  if (has('modulatedConv2d') && has('setupFilter')) {
    const unfused = UNFUSED_MODCONV_NAMES.find(has);
    if (!unfused) skipped.push(`modulatedConv2d unfused route: none of ${UNFUSED_MODCONV_NAMES.join(', ')} is exported, so only the fused route runs`);
    for (const [s, routes] of modConvShapes(runtime, quick)) {
      // Both CPU kernel shapes of the fused route where subgroups exist (lavapipe), and the GPUs'
      // `tiled` one at the small sizes (it is several times slower on a CPU adapter); the unfused
      // route runs the same convolution kernel (the adapter's default) on materialised weights.
      if (runtime === 'browser') cases.push(modConvCase(s, 'fused', ''));
      else {
        cases.push(modConvCase(s, 'fused', '', 'shuffle'), modConvCase(s, 'fused', '', 'regblock'));
        if (s.H <= 16) cases.push(modConvCase(s, 'fused', '', 'tiled'));
      }
      if (unfused && routes.includes('unfused')) cases.push(modConvCase(s, 'unfused', unfused));
    }
  }
  return { cases, skipped };
}

/** The 3×3 convolutions for the peers (they run whether or not our conv2d exists yet). */
export function convPeerWork(quick: boolean): PeerWork[] {
  return convShapes('node', quick)
    .filter((s) => s.k === 3)
    .map((s) => ({ group: convGroup(s), kind: 'conv2d' as const, N: s.N, C: s.C, H: s.H, W: s.H, O: s.O, k: s.k, pad: (s.k - 1) / 2 }));
}

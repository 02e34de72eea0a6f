/**
 * `resize(x, [outH, outW], {mode, alignCorners, antialias})` on [..., H, W], with the semantics of
 * `torch.nn.functional.interpolate(x, size=…)` (aten/src/ATen/native/UpSample.h and
 * cpu/UpSampleKernel.cpp; checked against torch 1.13 outputs in fixtures/resize/):
 *
 *  - scale = in/out, or (in−1)/(out−1) with alignCorners.
 *  - `nearest`: src = min(⌊dst · scale⌋, in−1), with scale and product in f32 as torch does.
 *  - `bilinear`: src = max(scale·(dst + ½) − ½, 0) (half-pixel centres; scale·dst with
 *    alignCorners), taps ⌊src⌋ and ⌊src⌋+1 (clamped), weights 1−λ, λ.
 *  - `bicubic`: src as bilinear but not clamped, four taps ⌊src⌋−1 … ⌊src⌋+2 clamped to the
 *    border, Keys' cubic convolution with A = −0.75.
 *  - `antialias` (bilinear / bicubic): PyTorch's separable antialiased kernels (PIL's scheme):
 *    support = (2 or 4)/2 · max(scale, 1), centre = scale·(dst + ½), taps
 *    [trunc(centre − support + ½), trunc(centre + support + ½)) ∩ [0, in), weights
 *    filter((j − centre + ½) / max(scale, 1)) normalised to sum 1; the bicubic filter uses
 *    A = −0.5 there (as PIL), the bilinear one is the triangle. Upscaling with antialias is
 *    therefore not identical to plain upscaling (normalised border taps, A = −0.5), as in torch.
 *
 * All modes are separable: the op is two 1-D passes (H, then W), each a sparse matrix applied along
 * one axis. The matrices are built here in float64 from the formulas above, uploaded once per
 * (mode, sizes, flags) and cached per runtime (also their transposes, which are the backward).
 * One kernel applies a CSR matrix along an axis: out[o, r, i] = Σ_p w_p · x[o, col_p, i].
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

export type ResizeMode = 'nearest' | 'bilinear' | 'bicubic';
export interface ResizeOptions {
  mode?: ResizeMode;
  alignCorners?: boolean;
  antialias?: boolean;
}

/** One output position's taps: source indices and weights. */
export type Taps = Array<[index: number, weight: number]>;

const WG = 256;
const MODES: readonly ResizeMode[] = ['nearest', 'bilinear', 'bicubic'];

// -------------------------------------------------------------------------------- weights

function cubicNear(x: number, a: number): number {
  return ((a + 2) * x - (a + 3)) * x * x + 1; // |x| ≤ 1
}
function cubicFar(x: number, a: number): number {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; // 1 < |x| < 2
}
function aaFilter(mode: 'bilinear' | 'bicubic', x: number): number {
  const ax = Math.abs(x);
  if (mode === 'bilinear') return ax < 1 ? 1 - ax : 0;
  return ax < 1 ? cubicNear(ax, -0.5) : ax < 2 ? cubicFar(ax, -0.5) : 0;
}

/** The taps of every output position along one axis, as torch computes them. */
export function resizeTaps(inSize: number, outSize: number, mode: ResizeMode, alignCorners = false, antialias = false): Taps[] {
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  const rows: Taps[] = [];
  for (let dst = 0; dst < outSize; dst++) {
    if (mode === 'nearest') {
      const s32 = Math.fround(inSize / outSize);
      const src = outSize === inSize ? dst : outSize === 2 * inSize ? dst >> 1 : Math.min(Math.floor(Math.fround(dst * s32)), inSize - 1);
      rows.push([[src, 1]]);
    } else if (antialias) {
      const support = (mode === 'bilinear' ? 1 : 2) * Math.max(scale, 1);
      const invScale = scale >= 1 ? 1 / scale : 1;
      const center = scale * (dst + 0.5);
      const lo = Math.max(Math.trunc(center - support + 0.5), 0);
      const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
      const taps: Taps = [];
      let total = 0;
      for (let j = lo; j < hi; j++) {
        const w = aaFilter(mode, (j - center + 0.5) * invScale);
        taps.push([j, w]);
        total += w;
      }
      rows.push(taps.map(([j, w]) => [j, total !== 0 ? w / total : w]));
    } else if (mode === 'bilinear') {
      const src = alignCorners ? scale * dst : Math.max(scale * (dst + 0.5) - 0.5, 0);
      const i0 = Math.floor(src);
      const l1 = src - i0;
      rows.push([
        [i0, 1 - l1],
        [i0 < inSize - 1 ? i0 + 1 : i0, l1],
      ]);
    } else {
      const src = alignCorners ? scale * dst : scale * (dst + 0.5) - 0.5;
      const i = Math.floor(src);
      const t = src - i;
      const A = -0.75;
      const w = [cubicFar(t + 1, A), cubicNear(t, A), cubicNear(1 - t, A), cubicFar(2 - t, A)];
      rows.push(w.map((wk, k) => [clamp(i - 1 + k), wk]));
    }
  }
  return rows;
}

// -------------------------------------------------------------------------------- sparse tables

/** A CSR matrix on the GPU: `index` = [row pointers (rows + 1), column indices], `weights`. */
interface Table {
  rows: number;
  cols: number;
  index: Tensor;
  weights: Tensor;
}

const MAX_CACHED_TABLES = 64;
const tableCache = new WeakMap<Runtime, Map<string, Table>>();

function toCsr(rt: Runtime, taps: Taps[], cols: number, transpose: boolean): Table {
  // Merge duplicate indices (clamped border taps) so each (row, col) appears once.
  let entries: Array<Map<number, number>> = taps.map((row) => {
    const m = new Map<number, number>();
    for (const [j, w] of row) m.set(j, (m.get(j) ?? 0) + w);
    return m;
  });
  let rows = taps.length;
  if (transpose) {
    const t: Array<Map<number, number>> = Array.from({ length: cols }, () => new Map());
    entries.forEach((m, r) => m.forEach((w, j) => t[j].set(r, w)));
    entries = t;
    [rows, cols] = [cols, rows];
  }
  const ptr: number[] = [0];
  const col: number[] = [];
  const val: number[] = [];
  for (const m of entries) {
    for (const [j, w] of [...m].sort((a, b) => a[0] - b[0])) {
      if (w === 0) continue;
      col.push(j);
      val.push(w);
    }
    ptr.push(col.length);
  }
  const index = rt.keep(rt.tensor([...ptr, ...col], [ptr.length + col.length], 'u32'));
  const weights = rt.keep(rt.tensor(val.length ? val : [0], [Math.max(val.length, 1)]));
  return { rows, cols, index, weights };
}

function table(rt: Runtime, inSize: number, outSize: number, mode: ResizeMode, ac: boolean, aa: boolean, transpose: boolean): Table {
  let cache = tableCache.get(rt);
  if (!cache) tableCache.set(rt, (cache = new Map()));
  const key = `${mode}:${inSize}:${outSize}:${+ac}${+aa}${+transpose}`;
  let t = cache.get(key);
  if (t && !t.index.isDisposed) {
    cache.delete(key); // re-insert: the Map's order is the eviction order (least recently used first)
    cache.set(key, t);
    return t;
  }
  t = toCsr(rt, resizeTaps(inSize, outSize, mode, ac, aa), inSize, transpose);
  cache.set(key, t);
  if (cache.size > MAX_CACHED_TABLES) {
    const [oldKey, old] = cache.entries().next().value!;
    cache.delete(oldKey);
    old.index.dispose();
    old.weights.dispose();
  }
  return t;
}

// -------------------------------------------------------------------------------- kernel

const U = uniformStruct({ n: 'u32', rows: 'u32', cols: 'u32', inner: 'u32' });

const applyKernel = kernel('resize', 'csrAxis', () => `
${bindings([['X', 'f32'], ['index', 'u32'], ['weights', 'f32']], [['Y', 'f32']], U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let i = idx % u.inner;
  let r = (idx / u.inner) % u.rows;
  let o = idx / (u.inner * u.rows);
  let base = o * u.cols * u.inner + i;
  var acc = 0.0;
  for (var p = index[r]; p < index[r + 1u]; p++) {
    acc = fma(weights[p], X[base + index[u.rows + 1u + p] * u.inner], acc);
  }
  Y[idx] = acc;`)}`);

function applyAxis(x: Tensor, axis: number, t: Table): Tensor {
  const rt = x.rt;
  const shape = [...x.shape];
  shape[axis] = t.rows;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const y = rt.empty(shape, 'f32', 'resize');
  rt.dispatch(applyKernel, {
    read: [x, t.index, t.weights],
    write: [y],
    uniforms: U.pack({ n: y.size, rows: t.rows, cols: t.cols, inner: Math.max(inner, 1) }),
    workgroups: Math.ceil(y.size / WG),
  });
  return y;
}

/** Resamples one axis; differentiable (the backward applies the transposed matrix). */
function resizeAxis(x: Tensor, axis: number, outSize: number, mode: ResizeMode, ac: boolean, aa: boolean): Tensor {
  const rt = x.rt;
  const inSize = x.shape[axis];
  const y = applyAxis(x, axis, table(rt, inSize, outSize, mode, ac, aa, false));
  return attach(y, 'resize', [x], (g) => [applyAxis(g, axis, table(rt, inSize, outSize, mode, ac, aa, true))]);
}

// -------------------------------------------------------------------------------- launch

/** Resizes the last two dims of x to [outH, outW], as F.interpolate(x, size, mode, align_corners, antialias). */
export function resize(x: Tensor, size: readonly [number, number], opts: ResizeOptions = {}): Tensor {
  const { mode = 'bilinear', alignCorners = false, antialias = false } = opts;
  const [outH, outW] = size;
  const what = `x ${formatShape(x.shape)} to [${size.join(', ')}]`;
  if (x.dtype !== 'f32') throw new Error(`resize: expected an f32 tensor, got ${x.dtype} (${what})`);
  x.assertLive('resize');
  if (x.rank < 2) throw new Error(`resize: x must be [..., H, W] (${what})`);
  if (size.length !== 2 || ![outH, outW].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`resize: output size must be two positive integers (${what})`);
  if (!MODES.includes(mode)) throw new Error(`resize: unknown mode '${mode}' (expected nearest, bilinear or bicubic)`);
  if (mode === 'nearest' && (alignCorners || antialias)) throw new Error(`resize: mode 'nearest' takes neither alignCorners nor antialias (as torch)`);
  if (antialias && alignCorners) throw new Error(`resize: antialias with alignCorners is not supported`);
  const [H, W] = x.shape.slice(-2);
  if (H === 0 || W === 0) throw new Error(`resize: empty input (${what})`);
  const r = x.rank;
  let y = x;
  // Axes already at their size are identities in every mode: skip them.
  if (outH !== H) y = resizeAxis(y, r - 2, outH, mode, alignCorners, antialias);
  if (outW !== W) y = resizeAxis(y, r - 1, outW, mode, alignCorners, antialias);
  if (y === x) {
    // Same size: a copy, so the result never aliases the input.
    const copy = x.rt.empty(x.shape, 'f32', 'resize');
    x.rt.copy(x, copy);
    return attach(copy, 'resize', [x], (g) => [g]);
  }
  return y;
}

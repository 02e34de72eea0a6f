/**
 * The direction × factor effect matrix, measured with a factor predictor (ground truth of what an
 * image shows: `@stylegpu/world`'s `FactorPredictor.predictFactors`, the toy's `predictFactors`, or
 * any images → factor rows function).
 *
 * For each direction d, seed s (w_s = sampleW(s)) and step α ∈ alphas (in units of the direction's
 * step scale σ_d):  ws = w_s + α σ_d · offset_d(w_s)  →  image  →  factors f(α). Then
 *
 *   Δ_f(d, s, α) = |f(α) − f(0)|                      linear factors
 *                  min(|f(α) − f(0)| mod 1, 1 − …)    circular factors in [0, 1) (hue)
 *                  [f(α) ≠ f(0)]                       categorical factors (class indices)
 *   E[d, f]      = mean over s, α of Δ_f(d, s, α) / spread_f
 *
 * spread_f: given (`factorSpread`), else measured at α = 0 over the seeds: the standard deviation
 * (circular: the RMS wrapped distance to the circular mean); categorical factors use 1 (E is then
 * the fraction of edits that change the class). A factor that does not vary over the seeds has no
 * spread to measure: pass `factorSpread` (e.g. its range) instead.
 */
import { concat, slice, type Tensor } from '@stylegpu/kernels';
import { editW, type LatentEditor } from '../direction-set.js';
import { checkSeeds, seedRange, type LatentGenerator } from '../latent-generator.js';

export type FactorKind = 'linear' | 'circular' | 'categorical';

/** images [N, C, R, R] → N factor rows. */
export type FactorPredictorFn = (images: Tensor) => Promise<ArrayLike<ArrayLike<number>>>;

export interface FactorEffectsOptions {
  /** Steps in units of each direction's step scale. Default [−2, −1, 1, 2]. */
  alphas?: readonly number[];
  /** Seeds of the w samples. Default 0..15. */
  seeds?: readonly number[];
  factorKinds?: readonly FactorKind[];
  factorNames?: readonly string[];
  factorSpread?: readonly number[];
  /** Images per synthesis/predictor call. Default 32. */
  batch?: number;
  /** Called after each direction. */
  onProgress?: (done: number, total: number) => void;
}

export interface FactorEffects {
  /** D×F row-major. */
  effects: Float64Array;
  directions: number;
  factors: number;
  directionNames: string[];
  factorNames: string[];
  spread: number[];
}

export async function factorEffects(gen: LatentGenerator, editor: LatentEditor, predict: FactorPredictorFn, opts: FactorEffectsOptions = {}): Promise<FactorEffects> {
  const alphas = opts.alphas ?? [-2, -1, 1, 2];
  const seeds = opts.seeds ?? seedRange(0, 16);
  const batch = opts.batch ?? 32;
  checkSeeds(seeds, 'factorEffects');
  if (alphas.length === 0 || alphas.some((a) => !Number.isFinite(a) || a === 0)) throw new Error(`factorEffects: alphas must be finite and non-zero, got [${alphas.join(', ')}]`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`factorEffects: batch must be a positive integer, got ${batch}`);
  if (editor.wDim !== gen.wDim || editor.numWs !== gen.numWs) {
    throw new Error(`factorEffects: directions are for w_dim ${editor.wDim} × ${editor.numWs} ws, the generator has ${gen.wDim} × ${gen.numWs}`);
  }
  const rt = gen.rt;
  const N = seeds.length;
  const w = rt.keep(gen.sampleW(seeds));
  try {
    const render = async (wsOf: () => Tensor, count: number): Promise<number[][]> => {
      const rows: number[][] = [];
      const ws = rt.keep(rt.noGrad(() => rt.tidy(wsOf)));
      try {
        for (let i = 0; i < count; i += batch) {
          const end = Math.min(count, i + batch);
          const images = rt.keep(rt.noGrad(() => rt.tidy(() => gen.synthesize(sliceRows(ws, i, end)))));
          try {
            const pred = await predict(images);
            if (pred.length !== end - i) throw new Error(`factorEffects: the predictor returned ${pred.length} rows for ${end - i} images`);
            for (let r = 0; r < pred.length; r++) rows.push(Array.from(pred[r]));
          } finally {
            images.dispose();
          }
        }
      } finally {
        ws.dispose();
      }
      return rows;
    };
    const base = await render(() => editW(w, zeroOffset(gen, N), 0), N);
    const F = base[0].length;
    if (F < 1) throw new Error('factorEffects: the predictor returned no factors');
    for (const r of base) if (r.length !== F) throw new Error(`factorEffects: the predictor returned rows of ${r.length} and ${F} factors`);
    const kinds = opts.factorKinds ?? Array.from({ length: F }, () => 'linear' as FactorKind);
    if (kinds.length !== F) throw new Error(`factorEffects: ${kinds.length} factor kinds for ${F} predicted factors`);
    const names = opts.factorNames ? [...opts.factorNames] : Array.from({ length: F }, (_, f) => `factor${f}`);
    if (names.length !== F) throw new Error(`factorEffects: ${names.length} factor names for ${F} predicted factors`);
    const spread = opts.factorSpread ? [...opts.factorSpread] : measureSpread(base, kinds, names);
    if (spread.length !== F || spread.some((s) => !(s > 0))) throw new Error(`factorEffects: factorSpread must be ${F} positive numbers, got [${spread.join(', ')}]`);

    const D = editor.count;
    const effects = new Float64Array(D * F);
    for (let d = 0; d < D; d++) {
      const scale = editor.stepScales[d];
      const rows = await render(() => {
        const off = editor.offset(w, d);
        return concat(alphas.map((a) => editW(w, off, a * scale)), 0);
      }, N * alphas.length);
      for (let a = 0; a < alphas.length; a++) {
        for (let s = 0; s < N; s++) {
          const row = rows[a * N + s];
          for (let f = 0; f < F; f++) effects[d * F + f] += change(kinds[f], row[f], base[s][f]) / spread[f];
        }
      }
      for (let f = 0; f < F; f++) effects[d * F + f] /= N * alphas.length;
      opts.onProgress?.(d + 1, D);
    }
    return { effects, directions: D, factors: F, directionNames: [...editor.names], factorNames: names, spread };
  } finally {
    w.dispose();
  }
}

function zeroOffset(gen: LatentGenerator, n: number): Tensor {
  return gen.rt.tensor(new Float32Array(n * gen.numWs * gen.wDim), [n, gen.numWs, gen.wDim]);
}

function sliceRows(t: Tensor, start: number, end: number): Tensor {
  return start === 0 && end === t.shape[0] ? t : slice(t, [[start, end]]);
}

/** Δ of one factor between an edited and an unedited image. */
export function change(kind: FactorKind, a: number, b: number): number {
  if (kind === 'categorical') return a === b ? 0 : 1;
  const d = Math.abs(a - b);
  if (kind === 'circular') {
    const m = d % 1;
    return Math.min(m, 1 - m);
  }
  return d;
}

function measureSpread(rows: number[][], kinds: readonly FactorKind[], names: readonly string[]): number[] {
  const n = rows.length;
  return kinds.map((kind, f) => {
    if (kind === 'categorical') return 1;
    let s: number;
    if (kind === 'circular') {
      const angle = rows.map((r) => 2 * Math.PI * r[f]);
      const mean = Math.atan2(angle.reduce((a, x) => a + Math.sin(x), 0), angle.reduce((a, x) => a + Math.cos(x), 0)) / (2 * Math.PI);
      s = Math.sqrt(rows.reduce((a, r) => a + change('circular', r[f], mean) ** 2, 0) / n);
    } else {
      const mean = rows.reduce((a, r) => a + r[f], 0) / n;
      s = Math.sqrt(rows.reduce((a, r) => a + (r[f] - mean) ** 2, 0) / Math.max(1, n - 1));
    }
    if (!(s > 1e-12)) {
      throw new Error(`factorEffects: factor '${names[f]}' does not vary over the ${n} seeds (spread ${s}); pass factorSpread (e.g. the factor's range) or more seeds`);
    }
    return s;
  });
}

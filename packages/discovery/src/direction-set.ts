/**
 * A set of K latent directions and how each is applied in W+. One type for every method, so
 * metrics, traversals and the comparison table treat GANSpace, SeFa and the navigator alike.
 *
 *   fixed directions (GANSpace, SeFa, the 'fixed' navigator): unit vectors d_k ∈ R^wDim with
 *   per-layer weights a_k ∈ R^numWs; the edit of w by step α is  ws_l = w + α · a_{k,l} · d_k.
 *   GANSpace/SeFa weights are 1 on the layers the direction applies to and 0 elsewhere; the
 *   navigator's are its layer heat.
 *
 * w-dependent directions (the 'ada' navigator) implement `LatentEditor` directly.
 */
import { add, expand, mul, reshape, type Tensor } from '@stylegpu/kernels';

export interface LatentEditor {
  readonly count: number;
  readonly wDim: number;
  readonly numWs: number;
  /** Names for the directions (e.g. 'pc0', 'sefa3', 'nav2'). */
  readonly names: readonly string[];
  /** Suggested step per direction (α = ±1 walks ±stepScale); GANSpace's component std, calibrated scales. */
  readonly stepScales: readonly number[];
  /** The W+ offset of a unit step along direction k at w [N, wDim]: [N, numWs, wDim]. */
  offset(w: Tensor, k: number): Tensor;
}

export interface DirectionSet {
  method: string;
  wDim: number;
  numWs: number;
  count: number;
  /** K×wDim row-major unit vectors. */
  vectors: Float64Array;
  /** K×numWs row-major layer weights. */
  layerWeights: Float64Array;
  names: string[];
  stepScales: number[];
  /** A per-direction score of the method (explained-variance ratio, SeFa eigenvalue), if any. */
  scores?: number[];
}

/** Checks shapes, finiteness and unit norms; throws naming what is wrong. */
export function checkDirectionSet(set: DirectionSet, where = 'DirectionSet'): void {
  const { wDim, numWs, count } = set;
  for (const [what, v] of [['wDim', wDim], ['numWs', numWs], ['count', count]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${what} must be a positive integer, got ${v}`);
  }
  if (set.vectors.length !== count * wDim) throw new Error(`${where}: vectors hold ${set.vectors.length} values; ${count} directions of ${wDim} need ${count * wDim}`);
  if (set.layerWeights.length !== count * numWs) throw new Error(`${where}: layerWeights hold ${set.layerWeights.length} values; ${count} directions × ${numWs} layers need ${count * numWs}`);
  if (set.names.length !== count || set.stepScales.length !== count) throw new Error(`${where}: ${set.names.length} names and ${set.stepScales.length} step scales for ${count} directions`);
  for (let k = 0; k < count; k++) {
    let n2 = 0;
    for (let i = 0; i < wDim; i++) {
      const x = set.vectors[k * wDim + i];
      if (!Number.isFinite(x)) throw new Error(`${where}: direction ${k} has a non-finite entry`);
      n2 += x * x;
    }
    if (Math.abs(Math.sqrt(n2) - 1) > 1e-4) throw new Error(`${where}: direction ${k} has norm ${Math.sqrt(n2).toFixed(6)}, expected unit vectors`);
    if (!(set.stepScales[k] > 0)) throw new Error(`${where}: direction ${k} has step scale ${set.stepScales[k]}; it must be positive`);
  }
}

/** Layer weights that are 1 on W+ layers [start, end) and 0 elsewhere, for every direction. */
export function layerRangeWeights(count: number, numWs: number, start = 0, end = numWs): Float64Array {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= numWs)) {
    throw new Error(`layer range [${start}, ${end}) is not inside the generator's ${numWs} ws; pass start < end ≤ ${numWs}`);
  }
  const a = new Float64Array(count * numWs);
  for (let k = 0; k < count; k++) a.fill(1, k * numWs + start, k * numWs + end);
  return a;
}

/** A `LatentEditor` for a fixed direction set. */
export function directionSetEditor(set: DirectionSet): LatentEditor {
  checkDirectionSet(set);
  const { wDim, numWs } = set;
  return {
    count: set.count,
    wDim,
    numWs,
    names: set.names,
    stepScales: set.stepScales,
    offset(w, k) {
      if (!(Number.isInteger(k) && k >= 0 && k < set.count)) throw new Error(`directionSetEditor: direction ${k} is not in 0..${set.count - 1}`);
      const n = w.shape[0];
      const d = Float32Array.from(set.vectors.subarray(k * wDim, (k + 1) * wDim));
      const a = Float32Array.from(set.layerWeights.subarray(k * numWs, (k + 1) * numWs));
      const outer = mul(w.rt.tensor(a, [1, numWs, 1]), w.rt.tensor(d, [1, 1, wDim]));
      return expand(outer, [n, numWs, wDim]);
    },
  };
}

/** ws = broadcast(w) + α · offset, for α per sample ([N]) or one α. */
export function editW(w: Tensor, offset: Tensor, alpha: number | Tensor): Tensor {
  const [n, wDim] = w.shape;
  const numWs = offset.shape[1];
  const base = expand(reshape(w, [n, 1, wDim]), [n, numWs, wDim]);
  const step = typeof alpha === 'number' ? mul(offset, w.rt.tensor([alpha], [1])) : mul(offset, reshape(alpha, [n, 1, 1]));
  return add(base, step);
}

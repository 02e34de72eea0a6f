/**
 * SeFa (Shen & Zhou 2021, closed-form factorisation): the directions n that most change the
 * styles s = A w + b of the chosen synthesis layers maximise ‖A n‖², so they are the top
 * eigenvectors of AᵀA. A stacks the affine (style) weights of the layers, [Σ C_in, w_dim]; as in
 * the official implementation each row (one style channel's weight vector) is first scaled to
 * unit norm, so wide layers do not dominate by their weight scale. The directions apply to the W+
 * layers those affines read. Step scales are 1 (SeFa's sliders are raw distances in W; calibrate
 * them with traverse/calibrate.ts).
 */
import { symmetricEigen, topEigenvectors } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { type DirectionSet } from '../direction-set.js';

export interface SefaOptions {
  /** W+ indices whose layers' affines are factorised (every layer reading one of them). Default: all. */
  layers?: readonly number[];
  /** Directions kept. Default 10. */
  components?: number;
  /** Scale each affine row to unit norm first (the official behaviour). Default true. */
  normalizeRows?: boolean;
}

export interface SefaResult extends DirectionSet {
  /** Eigenvalues of AᵀA (also `scores`). */
  eigenvalues: number[];
}

/** SeFa of a StyleGAN2 generator's synthesis affines. */
export async function sefa(G: Generator, opts: SefaOptions = {}): Promise<SefaResult> {
  const numWs = G.numWs;
  const wIndices = opts.layers ?? [...Array(numWs).keys()];
  for (const i of wIndices) {
    if (!Number.isInteger(i) || i < 0 || i >= numWs) throw new Error(`sefa: layer ${i} is not a W+ index of this generator (0..${numWs - 1})`);
  }
  const chosen = G.layers.filter((l) => wIndices.includes(l.wIndex));
  const blocks: Array<{ data: ArrayLike<number>; rows: number }> = [];
  for (const l of chosen) {
    const t = G.params.get(`synthesis.${l.name}.affine.weight`);
    if (!t) throw new Error(`sefa: the generator has no synthesis.${l.name}.affine.weight`);
    blocks.push({ data: await t.read(), rows: t.shape[0] });
  }
  const res = sefaFromWeights(blocks, G.config.wDim, opts.components ?? 10, opts.normalizeRows ?? true);
  const layerWeights = new Float64Array(res.count * numWs);
  for (let k = 0; k < res.count; k++) for (const i of wIndices) layerWeights[k * numWs + i] = 1;
  return { ...res, numWs, layerWeights };
}

/** SeFa on affine weight blocks ([rows, wDim] row-major each, as NVIDIA stores `affine.weight`). */
export function sefaFromWeights(
  blocks: ReadonlyArray<{ data: ArrayLike<number>; rows: number }>,
  wDim: number,
  k: number,
  normalizeRows = true,
): Omit<SefaResult, 'numWs' | 'layerWeights'> & { numWs: 1; layerWeights: Float64Array } {
  if (blocks.length === 0) throw new Error('sefa: no affine weights to factorise; choose at least one layer');
  if (!Number.isInteger(k) || k < 1 || k > wDim) throw new Error(`sefa: components must be in 1..${wDim} (w_dim), got ${k}`);
  const gram = new Float64Array(wDim * wDim);
  const row = new Float64Array(wDim);
  blocks.forEach(({ data, rows }, b) => {
    if (data.length !== rows * wDim) throw new Error(`sefa: weight block ${b} has ${data.length} values, not ${rows}×${wDim}`);
    for (let r = 0; r < rows; r++) {
      let n2 = 0;
      for (let j = 0; j < wDim; j++) {
        row[j] = data[r * wDim + j];
        if (!Number.isFinite(row[j])) throw new Error(`sefa: weight block ${b} row ${r} has a non-finite value`);
        n2 += row[j] * row[j];
      }
      const s = normalizeRows ? (n2 > 0 ? 1 / Math.sqrt(n2) : 0) : 1;
      for (let a = 0; a < wDim; a++) {
        const ra = row[a] * s;
        if (ra === 0) continue;
        for (let c = a; c < wDim; c++) gram[a * wDim + c] += ra * row[c] * s;
      }
    }
  });
  for (let a = 0; a < wDim; a++) for (let c = a + 1; c < wDim; c++) gram[c * wDim + a] = gram[a * wDim + c];
  const eig = symmetricEigen(gram, wDim);
  const eigenvalues = [...eig.values.slice(0, k)];
  return {
    method: 'sefa',
    wDim,
    numWs: 1,
    count: k,
    vectors: topEigenvectors(eig, k),
    layerWeights: new Float64Array(k).fill(1),
    names: eigenvalues.map((_, i) => `sefa${i}`),
    stepScales: eigenvalues.map(() => 1),
    scores: eigenvalues,
    eigenvalues,
  };
}

/**
 * Slider edits in W+, composed on the CPU (a few thousand numbers; no GPU round trip per slider):
 * for every direction k of every discovered set, ws_l ← ws_l + α_k · stepScale_k · a_{k,l} · d_k,
 * the discovery package's `editW` summed over sliders. α is in the set's step units (σ of w along
 * the direction), so ±3 is a strong edit for any method.
 */
export interface DirectionSliders {
  wDim: number;
  numWs: number;
  count: number;
  /** K×wDim unit vectors, row-major. */
  vectors: ArrayLike<number>;
  /** K×numWs layer weights, row-major. */
  layerWeights: ArrayLike<number>;
  stepScales: readonly number[];
  /** One α per direction. */
  alphas: readonly number[];
}

/** `base` [N, numWs, wDim] plus every slider's step; returns a new array (base is untouched). */
export function applyDirectionSliders(base: Float32Array, n: number, numWs: number, wDim: number, sets: readonly DirectionSliders[]): Float32Array {
  if (base.length !== n * numWs * wDim) throw new Error(`applyDirectionSliders: ws hold ${base.length} values, not ${n}×${numWs}×${wDim}`);
  const out = base.slice();
  // The summed offset is the same for every sample: build it once, [numWs, wDim].
  const offset = new Float64Array(numWs * wDim);
  let any = false;
  for (const set of sets) {
    if (set.wDim !== wDim || set.numWs !== numWs) {
      throw new Error(`applyDirectionSliders: a direction set for w ${set.wDim} × ${set.numWs} ws does not fit this generator's w ${wDim} × ${numWs} ws`);
    }
    if (set.alphas.length !== set.count) throw new Error(`applyDirectionSliders: ${set.alphas.length} slider values for ${set.count} directions`);
    for (let k = 0; k < set.count; k++) {
      const step = set.alphas[k] * set.stepScales[k];
      if (step === 0) continue;
      if (!Number.isFinite(step)) throw new Error(`applyDirectionSliders: direction ${k} has a non-finite step (α ${set.alphas[k]}, scale ${set.stepScales[k]})`);
      any = true;
      for (let l = 0; l < numWs; l++) {
        const a = set.layerWeights[k * numWs + l] * step;
        if (a === 0) continue;
        for (let i = 0; i < wDim; i++) offset[l * wDim + i] += a * set.vectors[k * wDim + i];
      }
    }
  }
  if (!any) return out;
  for (let s = 0; s < n; s++) for (let j = 0; j < numWs * wDim; j++) out[s * numWs * wDim + j] += offset[j];
  return out;
}

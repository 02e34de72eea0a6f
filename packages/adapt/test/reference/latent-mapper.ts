/** Float64 reference of the NADA/StyleCLIP LevelsMapper (see src/latent-mapper.ts for the formulas). */

const LR_MUL = 0.01;

/** One group's Mapper on x [N, G, D] (flat): PixelNorm over G, then 4 EqualLinear + fused lrelu. */
function mapGroup(x: Float64Array, N: number, G: number, D: number, weights: Float64Array[], biases: Float64Array[]): Float64Array {
  let cur = Float64Array.from(x);
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      let ms = 0;
      for (let g = 0; g < G; g++) ms += cur[(n * G + g) * D + d] ** 2 / G;
      const r = 1 / Math.sqrt(ms + 1e-8);
      for (let g = 0; g < G; g++) cur[(n * G + g) * D + d] *= r;
    }
  const gain = LR_MUL / Math.sqrt(D);
  for (let l = 0; l < weights.length; l++) {
    const next = new Float64Array(cur.length);
    for (let row = 0; row < N * G; row++)
      for (let o = 0; o < D; o++) {
        let s = biases[l][o] * LR_MUL;
        for (let i = 0; i < D; i++) s += cur[row * D + i] * weights[l][o * D + i] * gain;
        next[row * D + o] = (s < 0 ? 0.2 * s : s) * Math.SQRT2;
      }
    cur = next;
  }
  return cur;
}

/**
 * M(w) for w [N, numWs, D]; params per enabled group: 4 weights [D, D] and 4 biases [D], in
 * coarse/medium/fine order; `enabled` says which groups have them.
 */
export function mapperDeltaRef(w: Float64Array, N: number, numWs: number, D: number, groups: Array<{ start: number; end: number; params: { weights: Float64Array[]; biases: Float64Array[] } | null }>): Float64Array {
  const out = new Float64Array(w.length);
  for (const g of groups) {
    const G = g.end - g.start;
    if (G === 0 || !g.params) continue;
    const x = new Float64Array(N * G * D);
    for (let n = 0; n < N; n++) x.set(w.subarray((n * numWs + g.start) * D, (n * numWs + g.end) * D), n * G * D);
    const y = mapGroup(x, N, G, D, g.params.weights, g.params.biases);
    for (let n = 0; n < N; n++) out.set(y.subarray(n * G * D, (n + 1) * G * D), (n * numWs + g.start) * D);
  }
  return out;
}

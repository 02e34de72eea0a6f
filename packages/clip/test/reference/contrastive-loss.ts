/** Float64 reference of CLIP's contrastive training loss. */

/** Symmetric InfoNCE in float64, written out from the definition (no shared code with the GPU path). */
export function lossF64(img: Float64Array, txt: Float64Array, s: number, N: number, E: number): number {
  const norm = (x: Float64Array, r: number) => Math.sqrt(Array.from({ length: E }, (_, i) => x[r * E + i] ** 2).reduce((a, b) => a + b));
  const logits: number[][] = [];
  for (let i = 0; i < N; i++) {
    logits.push([]);
    for (let j = 0; j < N; j++) {
      let dot = 0;
      for (let k = 0; k < E; k++) dot += img[i * E + k] * txt[j * E + k];
      logits[i].push((Math.exp(s) * dot) / (norm(img, i) * norm(txt, j)));
    }
  }
  let total = 0;
  for (let i = 0; i < N; i++) {
    const row = logits[i];
    const col = logits.map((r) => r[i]);
    const lse = (v: number[]) => {
      const m = Math.max(...v);
      return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
    };
    total += lse(row) - logits[i][i] + (lse(col) - logits[i][i]);
  }
  return total / (2 * N);
}

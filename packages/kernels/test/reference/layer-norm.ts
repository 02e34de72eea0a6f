/** Float64 layer normalisation over the last dimension. */

/** torch.nn.LayerNorm over the last dim in float64: biased variance, eps inside the root. */
export function layerNormRef(x: Float64Array, D: number, w: Float64Array | null, b: Float64Array | null, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let base = 0; base < x.length; base += D) {
    let mean = 0;
    for (let r = 0; r < D; r++) mean += x[base + r] / D;
    let v = 0;
    for (let r = 0; r < D; r++) v += (x[base + r] - mean) ** 2 / D;
    const rstd = 1 / Math.sqrt(v + eps);
    for (let r = 0; r < D; r++) out[base + r] = (x[base + r] - mean) * rstd * (w ? w[r] : 1) + (b ? b[r] : 0);
  }
  return out;
}

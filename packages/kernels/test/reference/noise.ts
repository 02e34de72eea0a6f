/** Float64 noise injection (StyleGAN2 `NoiseInjection`): x plus scaled per-pixel noise. */

/** x + noise·strength, noise [M, 1, H, W] broadcast over channels (and over the batch when M = 1). */
export function addNoiseRef(x: Float64Array, noise: Float64Array, strength: number, N: number, C: number, P: number): Float64Array {
  const M = noise.length / P;
  const out = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < P; p++) out[(n * C + c) * P + p] = x[(n * C + c) * P + p] + noise[(M === 1 ? 0 : n) * P + p] * strength;
    }
  }
  return out;
}

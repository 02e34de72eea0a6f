/**
 * SeFa's directions are unit vectors with no natural step (the method gives eigenvalues, not
 * spreads); the playground's slider unit is the standard deviation of sampled w along each one,
 * so α = ±1 walks one σ as GANSpace's sliders do.
 */
/** The standard deviation of w samples ([N, wDim] row-major) along each unit vector: SeFa's slider unit. */
export function spreadAlong(w: ArrayLike<number>, n: number, wDim: number, vectors: ArrayLike<number>, count: number): number[] {
  if (w.length !== n * wDim) throw new Error(`spreadAlong: ${w.length} values are not ${n} samples of ${wDim}`);
  if (n < 2) throw new Error('spreadAlong: needs at least 2 samples');
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    let sum = 0;
    let sum2 = 0;
    for (let s = 0; s < n; s++) {
      let p = 0;
      for (let i = 0; i < wDim; i++) p += w[s * wDim + i] * vectors[k * wDim + i];
      sum += p;
      sum2 += p * p;
    }
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, (sum2 - n * mean * mean) / (n - 1)));
    // A direction along which w never moves still gets a usable unit step.
    out.push(std > 0 ? std : 1);
  }
  return out;
}

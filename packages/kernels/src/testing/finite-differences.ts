/** Gradients of a float64 function by central differences: what the tests check backward passes against. */

/**
 * Σ_i gOut_i · ∂f_i/∂x_j for each element j of each input (those with `which[k]`), with the step
 * h = relStep · max(max |x|, 1e-3) per input. The inputs are perturbed in place and restored.
 */
export function finiteDifferenceGrads(
  f: (xs: Float64Array[]) => Float64Array,
  xs: Float64Array[],
  gOut: Float64Array,
  which: boolean[] = xs.map(() => true),
  relStep = 1e-5,
): Array<Float64Array | null> {
  return xs.map((x, k) => {
    if (!which[k]) return null;
    const g = new Float64Array(x.length);
    let scale = 0;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    const h = relStep * Math.max(scale, 1e-3);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j];
      x[j] = keep + h;
      const fp = f(xs);
      x[j] = keep - h;
      const fm = f(xs);
      x[j] = keep;
      let s = 0;
      for (let i = 0; i < gOut.length; i++) s += gOut[i] * (fp[i] - fm[i]);
      g[j] = s / (2 * h);
    }
    return g;
  });
}

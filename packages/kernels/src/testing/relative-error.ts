/**
 * How the tests measure agreement with a float64 reference, and how much they allow. The error is
 * max |actual − expected| over max |expected|: relative to the output's scale, so one near-zero
 * element cannot blow the ratio up.
 */

/** The op tests' tolerances on that error. */
export const TOLERANCE = {
  /** f32 forward vs f64 reference: ~1e-7 per rounding, accumulated over long sums. */
  forward: 2e-5,
  /** f32 backward vs finite differences of the f64 reference (h = 1e-5 · scale). */
  backward: 2e-4,
} as const;

/**
 * max |actual − expected| / max(max |expected|, scaleFloor). Infinity when the lengths differ or
 * any difference is NaN, so a broken output can never pass. `scaleFloor` keeps an all-but-zero
 * reference from dividing by ~0; the default is effectively none.
 */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>, scaleFloor = 1e-30): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return err / Math.max(scale, scaleFloor);
}

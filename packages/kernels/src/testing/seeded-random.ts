/**
 * Seeded random test data: every test draws fresh inputs on each run from SEED, prints it on
 * failure, and STYLEGPU_TEST_SEED fixes it to reproduce one run.
 */
// mulberry32 lives with the fuzzer in @stylegpu/io (kernels depends on io, never the reverse).
import { mulberry32 } from '@stylegpu/io/testing';

export { mulberry32 };

/** The run's seed: STYLEGPU_TEST_SEED when set, else a fresh one (each test file gets its own). */
export const SEED: number = Number(
  (typeof process !== 'undefined' ? process.env?.STYLEGPU_TEST_SEED : undefined) ?? Math.floor(Math.random() * 2 ** 31),
);


/** The tests' generator: mulberry32 seeded with SEED unless told otherwise. */
export function makeRng(seed: number = SEED): () => number {
  return mulberry32(seed);
}

/** n standard normals × scale (Box–Muller, the cosine branch only), in float64. */
export function randn(rng: () => number, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - rng();
    const v = rng();
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/** n numbers uniform in [lo, hi), in float64. */
export function uniform(rng: () => number, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/**
 * Seeded random test data: every test draws fresh inputs on each run from SEED, prints it on
 * failure, and STYLEGPU_TEST_SEED fixes it to reproduce one run.
 */

/** The run's seed: STYLEGPU_TEST_SEED when set, else a fresh one (each test file gets its own). */
export const SEED: number = Number(
  (typeof process !== 'undefined' ? process.env?.STYLEGPU_TEST_SEED : undefined) ?? Math.floor(Math.random() * 2 ** 31),
);

/** mulberry32: a small, fast 32-bit generator of numbers in [0, 1); good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

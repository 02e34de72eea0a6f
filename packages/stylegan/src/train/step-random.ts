/**
 * Every random draw of a training step as a pure function of (run seed, step, stream): a
 * counter-based generator instead of a stateful one, so the "RNG state" a snapshot must carry is
 * just the seed and the step counter, and a resumed run draws exactly what an uninterrupted one
 * would have. Streams name the draws (each phase's z, the mixing z, the noise, the mixing cutoff).
 *
 * The mixer is MurmurHash3's 32-bit finaliser chained over the words; its outputs seed the GPU's
 * Philox streams (z, per-layer noise) or give CPU uniforms (style-mixing decisions).
 */

/** Named streams; a new draw gets a new number, never a reused one. */
export const STREAM = {
  zGmain: 1,
  zGreg: 2,
  zDmain: 3,
  zDreg: 4,
  zMix: 5,
  noise: 6,
  mixCutoff: 7,
  mixApply: 8,
  plNoise: 9,
} as const;

function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashWords(words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    // Steps can pass 2^32 in principle: fold the high part in as its own word.
    h = fmix32((h ^ fmix32((w >>> 0) + 0x7f4a7c15)) >>> 0);
    h = fmix32((h ^ Math.floor(w / 0x100000000)) >>> 0);
  }
  return h;
}

/** A 53-bit integer for (seed, step, stream, sub): a Philox seed for the GPU generators. */
export function stepSeed(seed: number, step: number, stream: number, sub = 0): number {
  const hi = hashWords([seed, step, stream, sub, 0]) & 0x1fffff;
  const lo = hashWords([seed, step, stream, sub, 1]);
  return hi * 0x100000000 + lo;
}

/** A uniform double in [0, 1) for (seed, step, stream, sub). */
export function stepUniform(seed: number, step: number, stream: number, sub = 0): number {
  return stepSeed(seed, step, stream, sub) / 2 ** 53;
}

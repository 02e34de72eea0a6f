/**
 * Counter-based randomness: every sample draws from its own stream, keyed by (seed, split, index), so sample i
 * is the same whether it is rendered alone, in a batch, or after a million others, and no sample depends on how
 * many numbers an earlier one consumed.
 */

/** The 32-bit finaliser of MurmurHash3: a bijection on uint32 that mixes every input bit into every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of non-negative integers below 2^53 into one uint32 state (each word enters through fmix32). */
export function hashWords(words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    const lo = w >>> 0;
    const hi = Math.floor(w / 4294967296) >>> 0;
    h = fmix32((h ^ fmix32(lo + 0x7f4a7c15)) >>> 0);
    h = fmix32((h ^ fmix32(hi + 0x165667b1)) >>> 0);
  }
  return h;
}

/** A small deterministic generator (SplitMix32-style: a Weyl sequence through a strong mixer). */
export class Rng {
  private state: number;

  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** A stream keyed by a list of integers (seed, split id, index, purpose, …). */
  static keyed(...words: number[]): Rng {
    return new Rng(hashWords(words));
  }

  /** uint32. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return fmix32(this.state ^ (this.state >>> 15));
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

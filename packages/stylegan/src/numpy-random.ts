// NumPy's legacy `np.random.RandomState`, reproduced bit for bit for the calls StyleGAN makes.
//
// The official StyleGAN2/3 `generate.py` draws its latent as
// `np.random.RandomState(seed).randn(1, z_dim)`, so "seed 42" only means the same face as the
// paper's tools if we replay NumPy's exact stream: MT19937 seeded the legacy way, 53-bit doubles,
// and the polar Box–Muller Gaussian with its cached second value.
//
// Bit-exactness caveat: the Gaussian takes log() of a double. NumPy calls the C library's log;
// glibc's is not correctly rounded in about 1 call in 2,300, and other platforms' libm differ
// again. We use a correctly rounded log (see correctly-rounded-log.ts), so `randn` matches
// NumPy-on-glibc bit for bit except, on those rare calls, a pair of values one ulp apart
// (seed 42's randn(512) has one such pair, at indices 76 and 77). V8's Math.log would be off
// far more often (about 1 call in 24).

import { correctlyRoundedLog } from './correctly-rounded-log.js';

const STATE_WORDS = 624;
const SHIFT_WORDS = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MAX_SEED = 0xffffffff;

/** Throws unless `seed` is what `RandomState(seed)` accepts as a plain integer seed. */
export function assertLegacySeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(
      `RandomState seed must be an integer in [0, 2**32 - 1] (as NumPy requires); got ${String(seed)}`,
    );
  }
}

/**
 * Mersenne Twister MT19937 with NumPy's legacy integer seeding.
 *
 * NumPy's `_legacy_seeding` sends a scalar integer seed to the classic `init_genrand`
 * recurrence (not `init_by_array`, which it keeps for array seeds); the test fixture pins the
 * resulting key words so a change of algorithm would be caught.
 */
export class Mt19937 {
  private readonly key = new Uint32Array(STATE_WORDS);
  private position = STATE_WORDS;

  constructor(seed: number) {
    assertLegacySeed(seed);
    this.key[0] = seed >>> 0;
    for (let i = 1; i < STATE_WORDS; i++) {
      const previous = this.key[i - 1] ^ (this.key[i - 1] >>> 30);
      // Math.imul keeps the 32-bit wrap-around product that C's uint32_t arithmetic gives.
      this.key[i] = (Math.imul(1812433253, previous) + i) >>> 0;
    }
  }

  /** Copy of the 624 state words, for checking the seeding against NumPy's `get_state()`. */
  stateWords(): Uint32Array {
    return this.key.slice();
  }

  nextUint32(): number {
    if (this.position >= STATE_WORDS) this.regenerate();
    let y = this.key[this.position++];
    // Tempering.
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from 53 random bits: the high 27 bits of one word and 26 of the next. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  private regenerate(): void {
    const key = this.key;
    for (let i = 0; i < STATE_WORDS; i++) {
      const y = (key[i] & UPPER_MASK) | (key[(i + 1) % STATE_WORDS] & LOWER_MASK);
      let next = key[(i + SHIFT_WORDS) % STATE_WORDS] ^ (y >>> 1);
      if (y & 1) next ^= MATRIX_A;
      key[i] = next >>> 0;
    }
    this.position = 0;
  }
}

/** The subset of `np.random.RandomState` that StyleGAN tooling uses: `rand` and `randn`. */
export class NumpyRandomState {
  private readonly generator: Mt19937;
  // The polar method makes Gaussians in pairs; NumPy hands out the second on the next call.
  private hasCachedGauss = false;
  private cachedGauss = 0;

  constructor(seed: number) {
    this.generator = new Mt19937(seed);
  }

  /** Like `random_sample()`: one double in [0, 1). */
  randomSample(): number {
    return this.generator.nextDouble();
  }

  /** Like `rand(n)` / `random_sample(n)`. */
  rand(count: number): Float64Array {
    assertCount(count);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.generator.nextDouble();
    return out;
  }

  /** Like `standard_normal()` on a RandomState: the legacy polar Box–Muller Gaussian. */
  gauss(): number {
    if (this.hasCachedGauss) {
      this.hasCachedGauss = false;
      const cached = this.cachedGauss;
      this.cachedGauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let radiusSquared: number;
    do {
      x1 = 2 * this.generator.nextDouble() - 1;
      x2 = 2 * this.generator.nextDouble() - 1;
      radiusSquared = x1 * x1 + x2 * x2;
    } while (radiusSquared >= 1 || radiusSquared === 0);
    const scale = Math.sqrt((-2 * correctlyRoundedLog(radiusSquared)) / radiusSquared);
    this.cachedGauss = scale * x1;
    this.hasCachedGauss = true;
    return scale * x2;
  }

  /** Like `randn(n)`; `randn(1, z_dim)` draws the same values in the same order. */
  randn(count: number): Float64Array {
    assertCount(count);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.gauss();
    return out;
  }
}

/** `np.random.RandomState(seed).randn(count)` as float64, e.g. StyleGAN's latent `z` for a seed. */
export function randomStateRandn(seed: number, count: number): Float64Array {
  return new NumpyRandomState(seed).randn(count);
}

function assertCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`sample count must be a non-negative integer; got ${String(count)}`);
  }
}

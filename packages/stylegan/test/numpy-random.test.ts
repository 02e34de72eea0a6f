import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Mt19937, NumpyRandomState, randomStateRandn } from '../src/index.js';

interface NumpyCase {
  seed: number;
  keyHead: number[];
  keyTail: number;
  randn: string[];
  rand: string[];
  randnOddThenMore: string[];
  libmMisroundedIndices: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/numpy-randn.json', import.meta.url), 'utf8'),
) as { cases: NumpyCase[] };

/** Parses Python's float.hex() exactly (normal numbers and zero are all the fixture holds). */
function fromPythonHex(text: string): number {
  const match = /^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(text);
  if (!match) throw new Error(`not a float.hex() string: ${text}`);
  const [, sign, lead, fraction, exponent] = match;
  const mantissa = BigInt(`0x${lead}${fraction}`);
  const value = Number(mantissa) * 2 ** (Number(exponent) - 4 * fraction.length);
  return sign === '-' ? -value : value;
}

function float64Bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigInt64(0);
}

/**
 * Exact float64 comparison, reporting the first differing index with both bit patterns.
 * `oneUlpIndices` are the values whose Gaussian pair NumPy built from a glibc `log()` result
 * that was not correctly rounded (found by the fixture script); there we require a difference
 * of at most one unit in the last place instead. Everything else must match bit for bit.
 */
function expectBitIdentical(actual: Float64Array, expectedHex: string[], oneUlpIndices: number[] = []): void {
  expect(actual.length).toBe(expectedHex.length);
  for (let i = 0; i < expectedHex.length; i++) {
    const expected = fromPythonHex(expectedHex[i]);
    const bitDistance = float64Bits(actual[i]) - float64Bits(expected);
    const allowed = oneUlpIndices.includes(i) ? 1n : 0n;
    if (bitDistance > allowed || bitDistance < -allowed) {
      throw new Error(
        `index ${i}: got ${actual[i]} (${float64Bits(actual[i]).toString(16)}), ` +
          `NumPy ${expected} (${float64Bits(expected).toString(16)})`,
      );
    }
  }
}

describe('fromPythonHex (test helper)', () => {
  it('decodes known values', () => {
    expect(fromPythonHex('0x1.0000000000000p+0')).toBe(1);
    expect(fromPythonHex('-0x1.8000000000000p-1')).toBe(-0.75);
    expect(fromPythonHex('0x1.c398ef3e5cfa5p+0')).toBe(1.764052345967664);
  });
});

describe('NumPy legacy RandomState', () => {
  it('has fixtures for the seeds the brief names, with 512 values for seed 42', () => {
    expect(fixture.cases.map((c) => c.seed)).toEqual([0, 1, 42, 123456789, 2 ** 32 - 1]);
    expect(fixture.cases.find((c) => c.seed === 42)?.randn.length).toBe(512);
  });

  for (const testCase of fixture.cases) {
    describe(`seed ${testCase.seed}`, () => {
      it('seeds the MT19937 key exactly as RandomState(seed)', () => {
        const key = new Mt19937(testCase.seed).stateWords();
        expect(Array.from(key.subarray(0, 4))).toEqual(testCase.keyHead);
        expect(key[623]).toBe(testCase.keyTail);
      });

      it('randn matches bit for bit', () => {
        expectBitIdentical(
          randomStateRandn(testCase.seed, testCase.randn.length),
          testCase.randn,
          testCase.libmMisroundedIndices,
        );
      });

      it('rand (random_sample) matches bit for bit', () => {
        expectBitIdentical(new NumpyRandomState(testCase.seed).rand(testCase.rand.length), testCase.rand);
      });

      it('keeps the cached second Gaussian across randn calls', () => {
        const state = new NumpyRandomState(testCase.seed);
        const joined = new Float64Array(5);
        joined.set(state.randn(3), 0);
        joined.set(state.randn(2), 3);
        expectBitIdentical(joined, testCase.randnOddThenMore, testCase.libmMisroundedIndices);
      });
    });
  }

  it('differs from NumPy only where glibc misrounds log, and rarely', () => {
    const flagged = fixture.cases.flatMap((c) => c.libmMisroundedIndices);
    // 5 seeds x 256 log calls: glibc misrounds roughly 1 call in 2,300.
    expect(flagged.length).toBeLessThanOrEqual(6);
    const seed42 = fixture.cases.find((c) => c.seed === 42)!;
    expect(seed42.libmMisroundedIndices).toEqual([76, 77]);
    // The flagged pair really is one ulp away, so the tolerance above is not hiding a bug elsewhere.
    const ours = randomStateRandn(42, 78);
    expect(float64Bits(ours[76]) - float64Bits(fromPythonHex(seed42.randn[76]))).not.toBe(0n);
  });

  it('the first randn(512) values are a prefix of any longer draw', () => {
    const long = randomStateRandn(7, 1000);
    expect(Array.from(randomStateRandn(7, 512))).toEqual(Array.from(long.subarray(0, 512)));
  });

  it('rejects seeds NumPy rejects', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new NumpyRandomState(bad)).toThrow(/seed must be an integer in \[0, 2\*\*32 - 1\]/);
    }
    expect(() => randomStateRandn('3' as unknown as number, 4)).toThrow(/seed must be an integer/);
  });

  it('rejects bad sample counts', () => {
    expect(() => randomStateRandn(0, -1)).toThrow(/non-negative integer/);
    expect(() => randomStateRandn(0, 2.5)).toThrow(/non-negative integer/);
  });
});

describe('correctlyRoundedLog', () => {
  it('rounds to nearest where Math.log and glibc are off by one ulp', async () => {
    const { correctlyRoundedLog } = await import('../src/correctly-rounded-log.js');
    // Expected values: Python Decimal(x).ln() at 60 digits, rounded to float64.
    expect(correctlyRoundedLog(fromPythonHex('0x1.e7c3ca362c8d0p-1'))).toBe(-0.048491293860739464);
    expect(correctlyRoundedLog(0.8398815210314088)).toBe(-0.17449444348393545);
    expect(correctlyRoundedLog(0.3871775574072005)).toBe(-0.948871886501267);
    expect(correctlyRoundedLog(1)).toBe(0);
    expect(correctlyRoundedLog(0.5)).toBe(-Math.LN2);
    expect(correctlyRoundedLog(2 ** -100)).toBe(-100 * Math.LN2);
  });
});

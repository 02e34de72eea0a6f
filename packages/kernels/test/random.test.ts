import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { TOLERANCE } from '../src/testing/index.js';
import { destroyTestRuntime, expectClose, testRuntime } from '../src/testing/vitest/index.js';
import { normalsRef, philox4x32_10, philoxWords, uniformOf } from './reference/random.js';

afterAll(destroyTestRuntime);

describe('CPU Philox4x32-10 reference', () => {
  it("matches Random123's known-answer vectors", () => {
    const hex = (v: number[]) => v.map((x) => x.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philox4x32_10([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32_10([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

describe('GPU Philox streams', () => {
  // Offsets: aligned, mid-block, and just below 2^34 so the 64-bit block counter carries into its high word.
  const streams: Array<[number, number, number]> = [
    [0, 0, 1000],
    [12345, 7, 1001],
    [2 ** 40 + 5, 2 ** 34 - 6, 37], // the key's high word and a counter carry
    [3, 2 ** 52, 9],
  ];
  for (const [seed, offset, n] of streams) {
    it(`bits and uniforms are bit-exact for seed ${seed}, offset ${offset}, ${n} values`, async () => {
      const rt = await testRuntime();
      const bits = await rt.tidy(() => K.randomBits(rt, [n], { seed, offset })).read();
      const uni = await rt.tidy(() => K.randomUniform(rt, [n], { seed, offset })).read();
      const ref = philoxWords(seed, offset, n);
      expect(Array.from(bits)).toEqual(Array.from(ref));
      expect(Array.from(uni)).toEqual(Array.from(ref, uniformOf));
    });

    it(`normals agree with float64 Box–Muller for seed ${seed}, offset ${offset}`, async () => {
      const rt = await testRuntime();
      const z = await rt.tidy(() => K.randomNormal(rt, [n], { seed, offset, mean: 1.5, std: 2 })).read();
      // Not bit-exact: log/cos/sin are f32 on the GPU. Same tolerance as every f32 op vs float64.
      expectClose(z, Array.from(normalsRef(seed, offset, n), (v) => 1.5 + 2 * v), TOLERANCE.forward, 'randomNormal');
    });
  }

  it('depends only on (seed, offset + i): shape, request size and dispatch split do not matter', async () => {
    const rt = await testRuntime();
    const seed = 99;
    // 2^24 + 40 values: 4.2M invocations, over 65535 workgroups of 64, so the runtime splits the grid over x and y.
    const n = 2 ** 24 + 40;
    const big = rt.tidy(() => K.randomUniform(rt, [n], { seed }));
    const all = await big.read();
    big.dispose();
    const tail = await rt.tidy(() => K.randomUniform(rt, [5, 8], { seed, offset: n - 40 })).read();
    expect(Array.from(tail)).toEqual(Array.from(all.subarray(n - 40)));
    const ref = philoxWords(seed, n - 40, 40);
    expect(Array.from(tail)).toEqual(Array.from(ref, uniformOf));
    for (const i of [0, 1, 4095, 65536 * 64 * 4 - 1, 65536 * 64 * 4 + 3, 9_999_999]) expect(all[i], `element ${i}`).toBe(uniformOf(philoxWords(seed, i, 1)[0]));
    // Continuing a normal stream mid-pair gives the same values as one long request.
    const long = await rt.tidy(() => K.randomNormal(rt, [11], { seed, offset: 4 })).read();
    const rest = await rt.tidy(() => K.randomNormal(rt, [6], { seed, offset: 9 })).read();
    expect(Array.from(rest)).toEqual(Array.from(long.subarray(5)));
  });

  it('has the right mean, variance and no lag-1 correlation over 10^6 samples', async () => {
    const rt = await testRuntime();
    const n = 1_000_000;
    const stats = (v: ArrayLike<number>) => {
      let m = 0;
      for (let i = 0; i < n; i++) m += v[i];
      m /= n;
      let s2 = 0;
      let lag = 0;
      for (let i = 0; i < n; i++) {
        s2 += (v[i] - m) ** 2;
        if (i > 0) lag += (v[i] - m) * (v[i - 1] - m);
      }
      return { mean: m, variance: s2 / n, corr: lag / s2 };
    };
    // Bounds are 5 standard errors (a false failure has probability < 1e-6 per check, and the
    // seeds are fixed anyway). For n i.i.d. samples with variance σ² and 4th central moment μ4:
    //   SE(mean) = σ/√n;  SE(sample variance) ≈ √((μ4 − σ⁴)/n);  SE(lag-1 correlation) ≈ 1/√n.
    // Uniform[0,1): σ² = 1/12, μ4 = 1/80 → SE(mean) = 2.89e-4, SE(var) = √((1/80 − 1/144)/1e6) = 7.45e-5.
    // Normal(μ, σ² = 9): μ4 = 3σ⁴ → SE(mean) = 3/1000 = 3e-3, SE(var) = √(2·81/1e6) = 1.27e-2.
    const u = stats(await rt.tidy(() => K.randomUniform(rt, [n], { seed: 2024 })).read());
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(5 * 2.89e-4);
    expect(Math.abs(u.variance - 1 / 12)).toBeLessThan(5 * 7.45e-5);
    expect(Math.abs(u.corr)).toBeLessThan(5e-3);
    const z = stats(await rt.tidy(() => K.randomNormal(rt, [n], { seed: 7, offset: 3, mean: 2, std: 3 })).read());
    expect(Math.abs(z.mean - 2)).toBeLessThan(5 * 3e-3);
    expect(Math.abs(z.variance - 9)).toBeLessThan(5 * 1.27e-2);
    expect(Math.abs(z.corr)).toBeLessThan(5e-3);
  });

  it('low/high scale the uniform range; different seeds give different streams', async () => {
    const rt = await testRuntime();
    const a = await rt.tidy(() => K.randomUniform(rt, [1000], { seed: 1, low: -2, high: 3 })).read();
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a)).toBeLessThan(3);
    const b = await rt.tidy(() => K.randomBits(rt, [64], { seed: 2 })).read();
    const c = await rt.tidy(() => K.randomBits(rt, [64], { seed: 3 })).read();
    expect(b.filter((v, i) => v === c[i]).length).toBe(0);
  });

  it('rejects bad seeds, offsets and parameters before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      expect(() => K.randomUniform(rt, [4], { seed: -1 })).toThrow(/randomUniform: seed must be an integer in \[0, 2\^53\), got -1/);
      expect(() => K.randomUniform(rt, [4], { seed: 1.5 })).toThrow(/randomUniform: seed must be an integer/);
      expect(() => K.randomBits(rt, [4], { seed: 1, offset: 2 ** 53 })).toThrow(/randomBits: offset must be an integer in \[0, 2\^53\)/);
      expect(() => K.randomNormal(rt, [4], { seed: 1, std: -1 })).toThrow(/randomNormal: std must be ≥ 0, got -1 \(shape \[4\]\)/);
      expect(() => K.randomUniform(rt, [4], { seed: 1, low: 2, high: 1 })).toThrow(/randomUniform: high 1 is below low 2/);
      expect(() => K.randomNormal(rt, [4], { seed: 1, mean: Infinity })).toThrow(/randomNormal: parameters must be finite/);
      expect(() => K.randomUniform(rt, [2, -1], { seed: 1 })).toThrow(/randomUniform: invalid shape \[2, -1\]/);
    });
  });
});

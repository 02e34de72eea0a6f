import { describe, expect, it } from 'vitest';
import { symmetricEigen, topEigenvectors } from '../src/linalg/symmetric-eigen.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';

const seed = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 1e9));

function randomSymmetric(n: number, rng: SeededRandom): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

/** max |A v − λ v| over eigenpairs and max |VVᵀ − I|, relative to the spectral scale. */
function residuals(a: Float64Array, n: number) {
  const { values, vectors } = symmetricEigen(a, n);
  const scale = Math.max(1, ...Array.from(values, Math.abs));
  let res = 0;
  let orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
      res = Math.max(res, Math.abs(av - values[k] * vectors[k * n + i]) / scale);
    }
    for (let m = 0; m < n; m++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors[k * n + i] * vectors[m * n + i];
      orth = Math.max(orth, Math.abs(dot - (k === m ? 1 : 0)));
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const sum = values.reduce((s, v) => s + v, 0);
  return { values, res, orth, traceErr: Math.abs(trace - sum) / (scale * n) };
}

describe(`symmetricEigen (seed ${seed})`, () => {
  it('solves a 2×2 and a 3×3 by hand', () => {
    // [[2, 1], [1, 2]]: 3 along (1, 1)/√2, 1 along (1, −1)/√2.
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(3, 14);
    expect(e.values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(e.vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(e.vectors[0] * e.vectors[1]).toBeCloseTo(0.5, 14);
    expect(e.vectors[2] * e.vectors[3]).toBeCloseTo(-0.5, 14);
    // [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: 2 + √2, 2, 2 − √2.
    const t = symmetricEigen([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);
    expect([...t.values].map((v) => +v.toFixed(12))).toEqual([2 + Math.SQRT2, 2, 2 - Math.SQRT2].map((v) => +v.toFixed(12)));
    // Largest-magnitude entry positive: (1, −√2, 1)/2 → the middle is −, so the vector is flipped.
    expect(t.vectors[1]).toBeCloseTo(Math.SQRT2 / 2, 12);
  });

  it('diagonal and 1×1 inputs come back sorted, descending', () => {
    const e = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, -2], 3);
    expect([...e.values]).toEqual([5, 1, -2]);
    expect([...e.vectors]).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expect([...symmetricEigen([7], 1).values]).toEqual([7]);
  });

  it('A v = λ v and V Vᵀ = I on random symmetric matrices of awkward sizes', () => {
    const rng = new SeededRandom(seed);
    for (const n of [2, 5, 17, 33, 64]) {
      const { res, orth, traceErr } = residuals(randomSymmetric(n, rng), n);
      expect(res, `n=${n}`).toBeLessThan(1e-12);
      expect(orth, `n=${n}`).toBeLessThan(1e-12);
      expect(traceErr, `n=${n}`).toBeLessThan(1e-13);
    }
  });

  it('handles repeated eigenvalues and rank-deficient Gram matrices (PCA, SeFa cases)', () => {
    const rng = new SeededRandom(seed + 1);
    const n = 24;
    const r = 3;
    // G = XᵀX with X 3×24: rank 3, 21 zero eigenvalues.
    const x = Array.from({ length: r * n }, () => rng.normal());
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < r; k++) g[i * n + j] += x[k * n + i] * x[k * n + j];
    const { values, res, orth } = residuals(g, n);
    expect(res).toBeLessThan(1e-12);
    expect(orth).toBeLessThan(1e-12);
    expect(values[2]).toBeGreaterThan(1e-3);
    for (let k = r; k < n; k++) expect(Math.abs(values[k])).toBeLessThan(1e-12 * values[0]);
    // Identity: every vector is an eigenvector; the result is still orthonormal.
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 1;
    expect(residuals(id, n).orth).toBeLessThan(1e-15);
  });

  it('decomposes a 512×512 covariance (StyleGAN w_dim)', () => {
    const rng = new SeededRandom(seed + 2);
    const n = 512;
    const a = randomSymmetric(n, rng);
    const { values, vectors } = symmetricEigen(a, n);
    // Spot-check a few eigenpairs (the full residual is O(n³) in the test itself).
    for (const k of [0, 1, 255, 511]) {
      let worst = 0;
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        worst = Math.max(worst, Math.abs(av - values[k] * vectors[k * n + i]));
      }
      expect(worst).toBeLessThan(1e-10 * Math.abs(values[0]));
    }
    expect(topEigenvectors({ values, vectors, n }, 2).length).toBe(2 * n);
  });

  it('refuses bad input clearly', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected an n×n matrix \(n = 2, 4 values\), got 3/);
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric.*\[0, 1\] = 2/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/entry \[0, 1\] is NaN/);
    expect(() => topEigenvectors(symmetricEigen([1], 1), 2)).toThrow(/k must be in 1..1/);
  });
});

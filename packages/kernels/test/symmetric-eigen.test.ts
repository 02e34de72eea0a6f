/**
 * symmetricEigen (float64, CPU) against what an eigen-decomposition must satisfy: A v = λ v,
 * orthonormal eigenvectors, descending order, trace = Σ λ, and the planted spectrum of Q diag(d) Qᵀ
 * for a random orthogonal Q. Fresh random matrices on every run; the seed is in every failure
 * message (STYLEGPU_TEST_SEED fixes it). Also hand-solved small matrices, repeated and zero
 * eigenvalues, a 512×512 matrix, and refusals of bad input.
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigen, topEigenvectors } from '../src/linalg/index.js';
import { fromEigen, randomOrthogonal } from '../src/testing/index.js';
import { makeRng, randn, SEED } from '../src/testing/index.js';

function randomSymmetric(n: number, rng: () => number): Float64Array {
  const g = randn(rng, n * n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = g[i * n + j];
  return a;
}

/**
 * max |A v − λ v| over eigenpairs and max |V Vᵀ − I|, relative to the spectral scale; whether the
 * values are descending; and |tr A − Σ λ| / (scale · n).
 */
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
  let descending = true;
  for (let k = 1; k < n; k++) if (values[k] > values[k - 1]) descending = false;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const sum = values.reduce((s, v) => s + v, 0);
  return { values, vectors, res, orth, descending, traceErr: Math.abs(trace - sum) / (scale * n) };
}

describe(`symmetricEigen (seed ${SEED})`, () => {
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

  it('diagonal and 1×1 inputs come back sorted, descending, with unit vectors as rows', () => {
    const e = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, -2], 3);
    expect([...e.values]).toEqual([5, 1, -2]);
    expect([...e.vectors]).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]);
    const one = symmetricEigen([-7], 1);
    expect([...one.values]).toEqual([-7]);
    expect([...one.vectors]).toEqual([1]);
  });

  for (const n of [1, 2, 3, 7, 33, 64]) {
    it(`A v = λ v, V Vᵀ = I, descending, tr A = Σ λ on a random ${n}×${n} symmetric matrix`, () => {
      const rng = makeRng(SEED + n);
      const { res, orth, descending, traceErr } = residuals(randomSymmetric(n, rng), n);
      expect(res, `n=${n} (seed ${SEED})`).toBeLessThan(1e-12);
      expect(orth, `n=${n} (seed ${SEED})`).toBeLessThan(1e-12);
      expect(descending, `n=${n} (seed ${SEED})`).toBe(true);
      expect(traceErr, `n=${n} (seed ${SEED})`).toBeLessThan(1e-13);
    });
  }

  for (const n of [1, 2, 7, 33]) {
    it(`recovers the planted indefinite spectrum of Q diag(d) Qᵀ, ${n}×${n}`, () => {
      const rng = makeRng(SEED + 1000 + n);
      const d = randn(rng, n, 3); // negative eigenvalues too
      const a = fromEigen(randomOrthogonal(n, rng), d, n);
      const { values, res, orth } = residuals(a, n);
      const want = [...d].sort((x, y) => y - x);
      want.forEach((w, k) => expect(Math.abs(values[k] - w), `eigenvalue ${k}: ${values[k]} vs ${w} (seed ${SEED})`).toBeLessThan(1e-12 * Math.max(1, Math.abs(w)) * n));
      expect(res, `(seed ${SEED})`).toBeLessThan(1e-12);
      expect(orth, `(seed ${SEED})`).toBeLessThan(1e-12);
    });
  }

  it('handles repeated eigenvalues: a planted spectrum with multiplicities, and the identity', () => {
    const rng = makeRng(SEED + 2000);
    const n = 13;
    // 4 once, −1.5 five times, 2 seven times, in random directions.
    const d = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 4 : i <= 5 ? -1.5 : 2));
    const a = fromEigen(randomOrthogonal(n, rng), d, n);
    const { values, res, orth, descending } = residuals(a, n);
    expect(res, `(seed ${SEED})`).toBeLessThan(1e-12);
    expect(orth, `(seed ${SEED})`).toBeLessThan(1e-12);
    expect(descending).toBe(true);
    const want = [...d].sort((x, y) => y - x);
    want.forEach((w, k) => expect(Math.abs(values[k] - w), `eigenvalue ${k} (seed ${SEED})`).toBeLessThan(1e-12));
    // Identity: every vector is an eigenvector; the result is still orthonormal.
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 1;
    const e = residuals(id, n);
    expect(e.orth).toBeLessThan(1e-15);
    expect([...e.values]).toEqual(new Array(n).fill(1));
  });

  it('handles rank-deficient Gram matrices (PCA, SeFa cases)', () => {
    const rng = makeRng(SEED + 3000);
    const n = 24;
    const r = 3;
    // G = XᵀX with X 3×24: rank 3, 21 zero eigenvalues.
    const x = randn(rng, r * n);
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < r; k++) g[i * n + j] += x[k * n + i] * x[k * n + j];
    const { values, res, orth } = residuals(g, n);
    expect(res, `(seed ${SEED})`).toBeLessThan(1e-12);
    expect(orth, `(seed ${SEED})`).toBeLessThan(1e-12);
    expect(values[2]).toBeGreaterThan(1e-3);
    for (let k = r; k < n; k++) expect(Math.abs(values[k]), `eigenvalue ${k} (seed ${SEED})`).toBeLessThan(1e-12 * values[0]);
  });

  it('accepts asymmetry at rounding level and treats both triangles alike (it symmetrises)', () => {
    const rng = makeRng(SEED + 4000);
    const n = 7;
    const a = randomSymmetric(n, rng);
    const scale = Math.max(...Array.from(a, Math.abs));
    // Below the 1e-9 · max|A| refusal threshold, but far above what the checks below resolve.
    const upper = Float64Array.from(a);
    const lower = Float64Array.from(a);
    upper[0 * n + 5] += 5e-10 * scale;
    lower[5 * n + 0] += 5e-10 * scale;
    const u = symmetricEigen(upper, n);
    const l = symmetricEigen(lower, n);
    expect([...u.values]).toEqual([...l.values]);
    expect([...u.vectors]).toEqual([...l.vectors]);
  });

  it('decomposes a 512×512 matrix (StyleGAN w_dim)', () => {
    const rng = makeRng(SEED + 5000);
    const n = 512;
    const a = randomSymmetric(n, rng);
    const eig = symmetricEigen(a, n);
    const { values, vectors } = eig;
    // Spot-check a few eigenpairs (the full residual is O(n³) in the test itself).
    for (const k of [0, 1, 255, 511]) {
      let worst = 0;
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        worst = Math.max(worst, Math.abs(av - values[k] * vectors[k * n + i]));
      }
      expect(worst, `eigenpair ${k} (seed ${SEED})`).toBeLessThan(1e-10 * Math.abs(values[0]));
    }
    for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    const top = topEigenvectors(eig, 2);
    expect(top.length).toBe(2 * n);
    expect([...top]).toEqual([...vectors.subarray(0, 2 * n)]);
  });

  it('refuses bad input clearly', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected an n×n matrix \(n = 2, 4 values\), got 3 values/);
    expect(() => symmetricEigen([1, 2, 3, 4, 5, 6], 2)).toThrow(/expected an n×n matrix \(n = 2, 4 values\), got 6 values/);
    expect(() => symmetricEigen([], 0)).toThrow(/expected an n×n matrix \(n = 0/);
    expect(() => symmetricEigen([1, 2, 3, 4], 2.5)).toThrow(/expected an n×n matrix \(n = 2\.5/);
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric \(\[0, 1\] = 2 but \[1, 0\] = 3\); pass \(A \+ Aᵀ\)\/2/);
    // Asymmetry is judged against the largest entry, not an absolute floor: a tiny wrong matrix is refused too.
    expect(() => symmetricEigen([1e-12, 2e-12, 3e-12, 4e-12], 2)).toThrow(/not symmetric/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/entry \[0, 1\] is NaN; the matrix must be finite/);
    expect(() => symmetricEigen([1, 0, 0, Infinity], 2)).toThrow(/entry \[1, 1\] is Infinity/);
    expect(() => topEigenvectors(symmetricEigen([1], 1), 2)).toThrow(/k must be in 1..1, got 2/);
    expect(() => topEigenvectors(symmetricEigen([1], 1), 0)).toThrow(/k must be in 1..1, got 0/);
  });
});

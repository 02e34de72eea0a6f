/**
 * The Fréchet distance and the symmetric eigen-decomposition under it, in float64 on the CPU,
 * against answers known in closed form: diagonal covariances, covariances sharing a random
 * eigenbasis (they commute), a non-commuting 2×2 pair (tr √M = √(tr M + 2√det M) for 2×2 M with
 * positive eigenvalues), and statistics of sampled features. Fresh random inputs on every run;
 * the seed is in every failure message (STYLEGPU_TEST_SEED fixes it).
 */
import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, frechetDistanceFromStatistics, symmetricEigen } from '../src/predictor/index.js';
import { Rng } from '../src/random.js';

const SEED = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

function normals(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform()));
}

/** A random orthogonal n×n matrix (Gram–Schmidt on Gaussian columns). */
function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = normals(rng, n * n);
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += q[r * n + c] * q[r * n + p];
      for (let r = 0; r < n; r++) q[r * n + c] -= dot * q[r * n + p];
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += q[r * n + c] ** 2;
    for (let r = 0; r < n; r++) q[r * n + c] /= Math.sqrt(norm);
  }
  return q;
}

/** Q diag(d) Qᵀ */
function fromEigen(q: Float64Array, d: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += q[i * n + k] * d[k] * q[j * n + k];
  return out;
}

const close = (got: number, want: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs ${want} (seed ${SEED})`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));

describe('symmetricEigen', () => {
  for (const n of [1, 2, 7, 33]) {
    it(`recovers eigenvalues and orthonormal eigenvectors of a random ${n}×${n} matrix (seed ${SEED})`, () => {
      const rng = Rng.keyed(SEED, n);
      const q = randomOrthogonal(rng, n);
      const d = normals(rng, n).map((v) => 3 * v); // indefinite: negative eigenvalues too
      const { values, vectors } = symmetricEigen(fromEigen(q, d, n), n);
      const sorted = [...d].sort((a, b) => a - b);
      sorted.forEach((want, k) => close(values[k], want, `eigenvalue ${k}`));
      // A v = λ v and VᵀV = I.
      const a = fromEigen(q, d, n);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
          close(av, values[k] * vectors[i * n + k], `(A v − λ v)[${i}] of vector ${k}`);
        }
        for (let l = 0; l < n; l++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
          close(dot, k === l ? 1 : 0, `v${k}·v${l}`);
        }
      }
    });
  }

  it('refuses ragged, non-symmetric and non-finite matrices', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected an n×n matrix \(n = 2, 4 values\), got 3/);
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric \(\[0, 1\] = 2 but \[1, 0\] = 3\)/);
    expect(() => symmetricEigen([1, NaN, NaN, 4], 2)).toThrow(/entry \[0, 1\] is NaN/);
  });
});

describe('frechetDistance', () => {
  it(`equals ‖Δμ‖² + Σ(σ₁ − σ₂)² for diagonal covariances (seed ${SEED})`, () => {
    const rng = Rng.keyed(SEED, 100);
    const n = 9;
    const mu1 = normals(rng, n);
    const mu2 = normals(rng, n);
    const var1 = Float64Array.from({ length: n }, () => 0.1 + 4 * rng.uniform());
    const var2 = Float64Array.from({ length: n }, () => 0.1 + 4 * rng.uniform());
    var2[3] = 0; // a degenerate direction: its √ must come out 0, not NaN
    const diag = (v: Float64Array) => fromEigen(Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), v, n);
    let want = 0;
    for (let i = 0; i < n; i++) want += (mu1[i] - mu2[i]) ** 2 + (Math.sqrt(var1[i]) - Math.sqrt(var2[i])) ** 2;
    close(frechetDistanceFromStatistics({ mean: mu1, covariance: diag(var1), dim: n }, { mean: mu2, covariance: diag(var2), dim: n }), want, 'diagonal');
  });

  it(`equals ‖Δμ‖² + Σ(√d₁ − √d₂)² for covariances sharing a random eigenbasis (seed ${SEED})`, () => {
    const rng = Rng.keyed(SEED, 200);
    const n = 12;
    const q = randomOrthogonal(rng, n);
    const d1 = Float64Array.from({ length: n }, () => 5 * rng.uniform());
    const d2 = Float64Array.from({ length: n }, () => 5 * rng.uniform());
    const mu1 = normals(rng, n);
    const mu2 = new Float64Array(n);
    let want = 0;
    for (let i = 0; i < n; i++) want += mu1[i] ** 2 + (Math.sqrt(d1[i]) - Math.sqrt(d2[i])) ** 2;
    close(frechetDistanceFromStatistics({ mean: mu1, covariance: fromEigen(q, d1, n), dim: n }, { mean: mu2, covariance: fromEigen(q, d2, n), dim: n }), want, 'shared eigenbasis');
  });

  it(`matches the 2×2 closed form for covariances that do not commute (seed ${SEED})`, () => {
    const rng = Rng.keyed(SEED, 300);
    const spd = () => {
      const [a, b, c] = normals(rng, 3);
      return Float64Array.of(a * a + 0.5, a * b, a * b, b * b + c * c + 0.5); // LLᵀ + ½I
    };
    const s1 = spd();
    const s2 = spd();
    const prod = [s1[0] * s2[0] + s1[1] * s2[2], 0, 0, s1[2] * s2[1] + s1[3] * s2[3]];
    const det = (m: ArrayLike<number>) => m[0] * m[3] - m[1] * m[2];
    const traceRoot = Math.sqrt(prod[0] + prod[3] + 2 * Math.sqrt(det(s1) * det(s2)));
    const want = 1 + s1[0] + s1[3] + s2[0] + s2[3] - 2 * traceRoot; // means one apart on the first axis
    close(frechetDistanceFromStatistics({ mean: Float64Array.of(1, 0), covariance: s1, dim: 2 }, { mean: Float64Array.of(0, 0), covariance: s2, dim: 2 }), want, '2×2 non-commuting');
  });

  it(`fits unbiased statistics to samples, is 0 between a set and itself, and symmetric (seed ${SEED})`, () => {
    const rng = Rng.keyed(SEED, 400);
    const dim = 5;
    const a = normals(rng, 40 * dim);
    const b = normals(rng, 31 * dim).map((v, i) => 2 * v + (i % dim));
    const s = featureStatistics(a, dim);
    // numpy.cov's definition, written out for one entry.
    let m0 = 0;
    let m3 = 0;
    for (let r = 0; r < 40; r++) (m0 += a[r * dim]), (m3 += a[r * dim + 3]);
    m0 /= 40;
    m3 /= 40;
    let c03 = 0;
    for (let r = 0; r < 40; r++) c03 += (a[r * dim] - m0) * (a[r * dim + 3] - m3);
    close(s.mean[3], m3, 'mean');
    close(s.covariance[0 * dim + 3], c03 / 39, 'covariance');
    close(frechetDistance(a, a, dim), 0, 'd(A, A)');
    close(frechetDistance(a, b, dim), frechetDistance(b, a, dim), 'symmetry');
    expect(frechetDistance(a, b, dim)).toBeGreaterThan(1);
  });

  it('refuses too few rows, ragged features and mismatched extractors', () => {
    expect(() => frechetDistance([1, 2, 3], [1, 2, 3, 4, 5, 6], 3)).toThrow(/at least 2 feature vectors, got 1/);
    expect(() => frechetDistance([1, 2, 3, 4, 5], [1, 2, 3, 4], 2)).toThrow(/5 values do not make rows of 2 features/);
    expect(() => frechetDistance([1, 2, 3, 4], [1, 2, 3, 4, 5, 6], 2)).not.toThrow();
    const s2 = featureStatistics([1, 2, 3, 5], 2);
    const s1 = featureStatistics([1, 2, 3], 1);
    expect(() => frechetDistanceFromStatistics(s1, s2)).toThrow(/statistics of different sizes \(1 and 2 features\)/);
  });
});

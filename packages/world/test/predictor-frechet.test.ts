/**
 * The Fréchet distance in float64 on the CPU (its eigen-decomposition, `symmetricEigen` of
 * @stylegpu/kernels, is tested there), against answers known in closed form: diagonal
 * covariances, covariances sharing a random eigenbasis (they commute), a non-commuting 2×2 pair
 * (tr √M = √(tr M + 2√det M) for 2×2 M with positive eigenvalues), and statistics of sampled features. Fresh random inputs on every run;
 * the seed is in every failure message (STYLEGPU_TEST_SEED fixes it).
 */
import { fromEigen, randomOrthogonal, SEED } from '@stylegpu/kernels/testing';
import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, frechetDistanceFromStatistics } from '../src/predictor/index.js';
import { Rng } from '../src/random.js';


function normals(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform()));
}

const close = (got: number, want: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs ${want} (seed ${SEED})`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));

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
    const q = randomOrthogonal(n, () => rng.uniform());
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

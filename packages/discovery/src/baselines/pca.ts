/**
 * Principal component analysis in float64 on the CPU: the sample mean, the covariance
 * XᵀX/(N−1) of the centred rows, and its eigen-decomposition (`symmetricEigen` of @stylegpu/kernels:
 * descending, eigenvectors as rows).
 */
import { symmetricEigen, topEigenvectors } from '@stylegpu/kernels';

export interface Pca {
  mean: Float64Array;
  /** k×dim row-major unit components, by decreasing variance. */
  components: Float64Array;
  /** Variance along each component (the covariance eigenvalues). */
  variances: Float64Array;
  /** Each component's share of the total variance. */
  ratios: Float64Array;
}

export function pca(samples: ArrayLike<number>, n: number, dim: number, k: number): Pca {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`pca: dimension must be a positive integer, got ${dim}`);
  if (!Number.isInteger(n) || n < 2 || samples.length !== n * dim) {
    throw new Error(`pca: expected at least 2 samples of ${dim} values (${n}×${dim} = ${n * dim}), got ${samples.length} values`);
  }
  if (!Number.isInteger(k) || k < 1 || k > dim) throw new Error(`pca: the number of components must be in 1..${dim}, got ${k}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += samples[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const x = samples[i * dim + j];
      if (!Number.isFinite(x)) throw new Error(`pca: sample ${i} has a non-finite value at ${j}`);
      row[j] = x - mean[j];
    }
    // Upper triangle only; mirrored below.
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const off = a * dim;
      for (let b = a; b < dim; b++) cov[off + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  const eig = symmetricEigen(cov, dim);
  let total = 0;
  for (let j = 0; j < dim; j++) total += cov[j * dim + j];
  const variances = eig.values.slice(0, k).map((v) => Math.max(0, v));
  const ratios = variances.map((v) => (total > 0 ? v / total : 0));
  return { mean, components: topEigenvectors(eig, k), variances, ratios };
}

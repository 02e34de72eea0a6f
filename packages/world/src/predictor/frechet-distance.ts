/**
 * Fréchet distance between Gaussians fitted to two sets of feature vectors, the FID formula
 * (Heusel et al. 2017, as pytorch-fid / stylegan2-ada's metric compute it):
 *
 *   d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^½
 *
 * Covariances are unbiased (divided by n − 1, as numpy.cov). Σ₁Σ₂ is not symmetric, but it is
 * similar to the symmetric positive semi-definite Σ₁^½ Σ₂ Σ₁^½ (conjugate by Σ₁^½), so both have
 * the same eigenvalues and tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(Σ₁^½ Σ₂ Σ₁^½). Both square roots come from symmetric
 * eigen-decompositions (`symmetricEigen` of @stylegpu/kernels) in float64, with eigenvalues that
 * rounding pushed slightly below zero taken as zero — no complex sqrtm and no discarded imaginary parts.
 */
import { symmetricEigen } from '@stylegpu/kernels';

export interface FeatureStatistics {
  /** [dim] */
  mean: Float64Array;
  /** [dim, dim] row-major, unbiased. */
  covariance: Float64Array;
  dim: number;
  count: number;
}

/** Mean and unbiased covariance of `count` rows of `dim` features (row-major). */
export function featureStatistics(features: ArrayLike<number>, dim: number): FeatureStatistics {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`featureStatistics: dim must be a positive integer, got ${dim}`);
  if (features.length % dim !== 0) throw new Error(`featureStatistics: ${features.length} values do not make rows of ${dim} features`);
  const count = features.length / dim;
  if (count < 2) throw new Error(`featureStatistics: a covariance needs at least 2 feature vectors, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < dim; i++) {
      const v = features[r * dim + i];
      if (!Number.isFinite(v)) throw new Error(`featureStatistics: feature ${i} of row ${r} is ${v}`);
      mean[i] += v;
    }
  }
  for (let i = 0; i < dim; i++) mean[i] /= count;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < dim; i++) centred[i] = features[r * dim + i] - mean[i];
    for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) covariance[i * dim + j] += centred[i] * centred[j];
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) covariance[i * dim + j] = covariance[j * dim + i] = covariance[i * dim + j] / (count - 1);
  }
  return { mean, covariance, dim, count };
}

/** The symmetric square root Σ_k √max(λ_k, 0) v_k v_kᵀ of a symmetric PSD matrix (v_k: row k of `vectors`). */
function symmetricSqrt(m: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, n);
  const roots = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[k * n + i] * roots[k] * vectors[k * n + j];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/** d² between two Gaussians given by their statistics. */
export function frechetDistanceFromStatistics(a: Pick<FeatureStatistics, 'mean' | 'covariance' | 'dim'>, b: Pick<FeatureStatistics, 'mean' | 'covariance' | 'dim'>): number {
  const n = a.dim;
  if (b.dim !== n || a.mean.length !== n || b.mean.length !== n || a.covariance.length !== n * n || b.covariance.length !== n * n) {
    throw new Error(`frechetDistance: statistics of different sizes (${a.dim} and ${b.dim} features); compare features of one extractor`);
  }
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.covariance[i * n + i] + b.covariance[i * n + i];
  const rootA = symmetricSqrt(Float64Array.from(a.covariance), n);
  // M = √Σa · Σb · √Σa, symmetric by construction up to rounding (symmetricEigen symmetrises).
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += rootA[i * n + k] * b.covariance[k * n + j];
      t[i * n + j] = s;
    }
  }
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += t[i * n + k] * rootA[k * n + j];
      m[i * n + j] = m[j * n + i] = s;
    }
  }
  let traceRoot = 0;
  for (const l of symmetricEigen(m, n).values) traceRoot += Math.sqrt(Math.max(l, 0));
  return meanTerm + traces - 2 * traceRoot;
}

/** d² between Gaussians fitted to two feature sets [nA, dim] and [nB, dim] (row-major). */
export function frechetDistance(featuresA: ArrayLike<number>, featuresB: ArrayLike<number>, dim: number): number {
  return frechetDistanceFromStatistics(featureStatistics(featuresA, dim), featureStatistics(featuresB, dim));
}

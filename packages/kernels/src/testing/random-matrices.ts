/**
 * Random matrices with a known eigen-decomposition, for tests of anything built on one
 * (`symmetricEigen`, the Fréchet distance): a random orthogonal Q and Q diag(d) Qᵀ. Float64,
 * row-major, no GPU. `uniform` is any seeded source of numbers in [0, 1).
 */

/** A random orthogonal n×n matrix: Gram–Schmidt on Gaussian columns (Box–Muller from `uniform`). */
export function randomOrthogonal(n: number, uniform: () => number): Float64Array {
  const q = Float64Array.from({ length: n * n }, () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
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

/** Q diag(d) Qᵀ: the symmetric matrix with eigenvalues d and eigenvectors the columns of Q. */
export function fromEigen(q: ArrayLike<number>, d: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += q[i * n + k] * d[k] * q[j * n + k];
  return out;
}

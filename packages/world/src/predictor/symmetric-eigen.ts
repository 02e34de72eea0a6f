/**
 * Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method, in float64: plane
 * rotations annihilate each off-diagonal pair in turn until the off-diagonal mass is negligible.
 * Slower than tridiagonalisation + QL (O(n³) per sweep, ~6–10 sweeps) but simple, unconditionally
 * convergent, and accurate to a few ulps of the largest eigenvalue — what FID needs on a few hundred
 * features. The rotation formulas are Rutishauser's (Numerical Recipes' `jacobi`), which avoid
 * cancellation by working with t = tan θ of the smaller root.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns of an n×n row-major matrix: column k belongs to values[k]. */
  vectors: Float64Array;
}

const MAX_SWEEPS = 100;

export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new Error(`symmetricEigen: expected an n×n matrix (n = ${n}, ${n * n} values), got ${matrix.length} values`);
  }
  const a = Float64Array.from(matrix);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(a[i * n + j])) throw new Error(`symmetricEigen: entry [${i}, ${j}] is ${a[i * n + j]}`);
      const asym = Math.abs(a[i * n + j] - a[j * n + i]);
      scale = Math.max(scale, Math.abs(a[i * n + j]));
      if (asym > 1e-9 * Math.max(1, Math.abs(a[i * n + j]))) {
        throw new Error(`symmetricEigen: the matrix is not symmetric ([${i}, ${j}] = ${a[i * n + j]} but [${j}, ${i}] = ${a[j * n + i]})`);
      }
    }
  }
  // Symmetrise exactly, so rounding in the caller's products cannot bias the rotations.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off === 0 || Math.sqrt(off) <= 1e-15 * scale) break;
    if (sweep === MAX_SWEEPS - 1) throw new Error(`symmetricEigen: no convergence after ${MAX_SWEEPS} sweeps (off-diagonal norm ${Math.sqrt(off)})`);
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J with J the rotation in the (p, q) plane; V ← V J.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) order.forEach((src, k) => (vectors[r * n + k] = v[r * n + src]));
  return { values, vectors };
}

/**
 * Eigen-decomposition of a real symmetric matrix in float64 on the CPU: Householder reduction to
 * tridiagonal form, then the implicit QL iteration with Wilkinson-style shifts on the tridiagonal
 * matrix, accumulating the orthogonal transforms (the EISPACK tred2/tql2 pair, written here from the
 * algorithm's description). O(n³) with small constants: a 512×512 matrix (a covariance at
 * StyleGAN's w_dim) took 1.4–2.7 s in Node on a loaded 2-core machine, where cyclic Jacobi took 31 s.
 *
 * Used for PCA/GANSpace and SeFa (@stylegpu/discovery) and for the matrix square roots of the
 * Fréchet distance (@stylegpu/world); not a GPU op, so it has no autograd.
 *
 * The one convention: eigenvalues descending (largest first, what PCA and SeFa want), eigenvectors
 * as the ROWS of an n×n row-major matrix (row k belongs to values[k]; the top k are the first k·n
 * entries), and each eigenvector's sign fixed so that its largest-magnitude entry is positive, so the
 * output is deterministic.
 */

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows of an n×n row-major matrix: row k belongs to values[k], unit length. */
  vectors: Float64Array;
  n: number;
}

const MAX_QL_ITERATIONS = 60;

/**
 * Eigenvalues (descending) and eigenvectors (rows) of the symmetric n×n row-major `matrix`.
 * Throws on a length other than n², a non-finite entry, or asymmetry beyond 1e-9 of the largest entry.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new Error(`symmetricEigen: expected an n×n matrix (n = ${n}, ${n * n} values), got ${matrix.length} values`);
  }
  let scale = 0;
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(matrix[i])) throw new Error(`symmetricEigen: entry [${Math.floor(i / n)}, ${i % n}] is ${matrix[i]}; the matrix must be finite`);
    scale = Math.max(scale, Math.abs(matrix[i]));
  }
  // V holds the matrix, then the accumulated transforms; eigenvectors end up as its columns.
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    V[i * n + i] = matrix[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const upper = matrix[i * n + j];
      const lower = matrix[j * n + i];
      // Relative to the largest entry: a caller's rounding (e.g. in A·B·A) passes, a wrong matrix does not.
      if (Math.abs(upper - lower) > 1e-9 * scale) {
        throw new Error(`symmetricEigen: the matrix is not symmetric ([${i}, ${j}] = ${upper} but [${j}, ${i}] = ${lower}); pass (A + Aᵀ)/2 if A is symmetric up to rounding`);
      }
      // Symmetrise exactly, so the result does not depend on which triangle the reduction reads.
      V[i * n + j] = V[j * n + i] = 0.5 * (upper + lower);
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(V, d, e, n);
  // QL rotates pairs of columns of V: on the transpose those are contiguous rows (≈5× faster at n = 512).
  const Vt = transpose(V, n);
  tridiagonalQl(Vt, d, e, n);

  const order = [...d.keys()].sort((a, b) => d[b] - d[a]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    values[k] = d[col];
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(Vt[col * n + i]) > Math.abs(big)) big = Vt[col * n + i];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[k * n + i] = sign * Vt[col * n + i];
  });
  return { values, vectors, n };
}

/** Householder reduction: on return V is the orthogonal transform, d the diagonal, e[1..] the sub-diagonal. */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      // The Householder vector, scaled to avoid under/overflow.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A u / h, using the lower triangle.
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      // A ← A − u qᵀ − q uᵀ.
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transforms.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      // g_j = Σ_k V[k][i+1] V[k][j], then V[k][j] −= g_j d[k]: loops ordered row by row (contiguous).
      const g = new Float64Array(i + 1);
      for (let k = 0; k <= i; k++) {
        const u = V[k * n + i + 1];
        if (u === 0) continue;
        const row = k * n;
        for (let j = 0; j <= i; j++) g[j] += u * V[row + j];
      }
      for (let k = 0; k <= i; k++) {
        const dk = d[k];
        const row = k * n;
        for (let j = 0; j <= i; j++) V[row + j] -= g[j] * dk;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

/** Implicit QL on the tridiagonal (d, e), rotating the rows of Vt (the columns of V) along. */
function tridiagonalQl(Vt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        // The shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // The QL sweep by plane rotations.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const vk1 = Vt[r1 + k];
            const vk = Vt[r0 + k];
            Vt[r1 + k] = s * vk + c * vk1;
            Vt[r0 + k] = c * vk - s * vk1;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** The eigenvectors of the k largest eigenvalues, as a k×n row-major matrix (a copy). */
export function topEigenvectors(eig: SymmetricEigen, k: number): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k > eig.n) throw new Error(`topEigenvectors: k must be in 1..${eig.n}, got ${k}`);
  return eig.vectors.slice(0, k * eig.n);
}

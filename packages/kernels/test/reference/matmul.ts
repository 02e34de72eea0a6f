/** Float64 batched matmul, C = alpha·op(A)·op(B) + beta·bias, and its exact gradient. */

/** Batch sizes (1 broadcasts), C is M×N, the contraction K; op(·) transposes when asked. */
export interface MatmulRefDims {
  batchA: number;
  batchB: number;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
}

/** C = alpha·op(A)·op(B) + beta·bias for batched row-major operands (batch may broadcast). */
export function matmulRef(
  a: Float64Array,
  b: Float64Array,
  o: { batchA: number; batchB: number; M: number; N: number; K: number; transA?: boolean; transB?: boolean; alpha?: number; bias?: Float64Array; beta?: number },
): Float64Array {
  const { M, N, K, alpha = 1, beta = 1 } = o;
  const batch = Math.max(o.batchA, o.batchB);
  const c = new Float64Array(batch * M * N);
  for (let p = 0; p < batch; p++) {
    const ab = o.batchA === 1 ? 0 : p * M * K;
    const bb = o.batchB === 1 ? 0 : p * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = o.transA ? a[ab + k * M + i] : a[ab + i * K + k];
          const bv = o.transB ? b[bb + j * K + k] : b[bb + k * N + j];
          s += av * bv;
        }
        c[p * M * N + i * N + j] = alpha * s + (o.bias ? beta * o.bias[j] : 0);
      }
    }
  }
  return c;
}

/** dA, dB, dbias of alpha·op(A)·op(B) + beta·bias for output gradient g, summed over broadcast batches. */
export function matmulGradRef(a: Float64Array, b: Float64Array, g: Float64Array, c: MatmulRefDims, alpha: number, beta: number) {
  const { M, N, K } = c;
  const batch = Math.max(c.batchA, c.batchB);
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  const dbias = new Float64Array(N);
  for (let p = 0; p < batch; p++) {
    const ab = c.batchA === 1 ? 0 : p * M * K;
    const bb = c.batchB === 1 ? 0 : p * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const gij = g[p * M * N + i * N + j];
        dbias[j] += beta * gij;
        for (let k = 0; k < K; k++) {
          const ia = c.transA ? ab + k * M + i : ab + i * K + k;
          const ib = c.transB ? bb + j * K + k : bb + k * N + j;
          da[ia] += alpha * gij * b[ib];
          db[ib] += alpha * gij * a[ia];
        }
      }
    }
  }
  return c.bias ? [da, db, dbias] : [da, db];
}

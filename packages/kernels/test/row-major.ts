/** Float64 CPU references shared by several op tests. */

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `shape` broadcast to `out` (NumPy rules): 0 along broadcast axes. */
function broadcastStridesRef(shape: readonly number[], out: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = out.length - shape.length;
  return out.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

/** op(a, b) elementwise with broadcasting of a [sa] and b [sb] to [out]. */
export function broadcastRef(op: (a: number, b: number) => number, sa: number[], sb: number[], out: number[]) {
  const ta = broadcastStridesRef(sa, out);
  const tb = broadcastStridesRef(sb, out);
  return ([a, b]: ArrayLike<number>[]) => {
    const r = new Float64Array(size(out));
    for (let i = 0; i < r.length; i++) {
      let rem = i;
      let ia = 0;
      let ib = 0;
      for (let d = out.length - 1; d >= 0; d--) {
        const c = rem % out[d];
        rem = Math.floor(rem / out[d]);
        ia += c * ta[d];
        ib += c * tb[d];
      }
      r[i] = op(a[ia], b[ib]);
    }
    return r;
  };
}

/** Reduces `axes` of x (shape) with `op`, keeping reduced axes as size 1 in the index space. */
export function reduceRef(x: Float64Array, shape: number[], axes: number[], op: 'sum' | 'max' | 'mean'): Float64Array {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const os = stridesOf(outShape);
  const out = new Float64Array(size(outShape)).fill(op === 'max' ? -Infinity : 0);
  const xs = stridesOf(shape);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(i / xs[d]) % shape[d];
      if (!axes.includes(d)) o += c * os[d];
    }
    out[o] = op === 'max' ? Math.max(out[o], x[i]) : out[o] + x[i];
  }
  if (op === 'mean') {
    const n = axes.reduce((a, d) => a * shape[d], 1);
    for (let i = 0; i < out.length; i++) out[i] /= n;
  }
  return out;
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

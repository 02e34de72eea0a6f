/** Float64 reductions (sum, max, mean) over any set of axes. */
import { size, stridesOf } from '../row-major.js';

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

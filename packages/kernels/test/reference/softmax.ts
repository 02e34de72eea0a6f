/** Float64 softmax and log-softmax along one axis. */
import { size } from '../row-major.js';

/** Float64 softmax / log-softmax along `axis`, the textbook way (max-subtracted). */
export function softmaxRef(x: Float64Array, shape: number[], axis: number, log: boolean): Float64Array {
  const R = shape[axis];
  const inner = size(shape.slice(axis + 1));
  const out = new Float64Array(x.length);
  for (let o = 0; o < x.length / (R * inner); o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => o * R * inner + r * inner + i;
      let m = -Infinity;
      for (let r = 0; r < R; r++) m = Math.max(m, x[at(r)]);
      let s = 0;
      for (let r = 0; r < R; r++) s += Math.exp(x[at(r)] - m);
      for (let r = 0; r < R; r++) out[at(r)] = log ? x[at(r)] - m - Math.log(s) : Math.exp(x[at(r)] - m) / s;
    }
  }
  return out;
}

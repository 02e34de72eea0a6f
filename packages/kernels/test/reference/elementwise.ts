/** Float64 binary elementwise ops with NumPy broadcasting. */
import { size, stridesOf } from '../row-major.js';

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

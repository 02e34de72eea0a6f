/** Float64 cosine similarity along one axis of two broadcast inputs. */
import { size, stridesOf } from '../row-major.js';

/** Reduces along `axis` of `shape` (broadcast inputs indexed through their own strides). */
export function cosineRef(a: Float64Array, sa: number[], b: Float64Array, sb: number[], axis: number, eps: number): Float64Array {
  const out = sa.map((d, i) => Math.max(d, sb[i]));
  const outer = out.filter((_, i) => i !== axis);
  const ta = stridesOf(sa).map((s, i) => (sa[i] === 1 ? 0 : s));
  const tb = stridesOf(sb).map((s, i) => (sb[i] === 1 ? 0 : s));
  const res = new Float64Array(size(outer));
  const os = stridesOf(outer);
  for (let o = 0; o < res.length; o++) {
    const coord: number[] = [];
    let k = 0;
    for (let d = 0; d < out.length; d++) coord.push(d === axis ? 0 : Math.floor(o / os[k]) % outer[k++]);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let r = 0; r < out[axis]; r++) {
      coord[axis] = r;
      const va = a[coord.reduce((s, c, d) => s + c * ta[d], 0)];
      const vb = b[coord.reduce((s, c, d) => s + c * tb[d], 0)];
      dot += va * vb;
      na += va * va;
      nb += vb * vb;
    }
    res[o] = dot / (Math.max(Math.sqrt(na), eps) * Math.max(Math.sqrt(nb), eps));
  }
  return res;
}

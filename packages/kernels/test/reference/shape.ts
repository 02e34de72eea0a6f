/** Float64 references of the shape ops: permute and slice, by explicit index arithmetic. */
import { stridesOf } from '../row-major.js';

/** x permuted so that output axis d is input axis perm[d] (torch.permute). */
export function permuteRef(x: Float64Array, shape: number[], perm: number[]): Float64Array {
  const out = new Float64Array(x.length);
  const outShape = perm.map((p) => shape[p]);
  const xs = stridesOf(shape);
  const os = stridesOf(outShape);
  for (let i = 0; i < x.length; i++) {
    let j = 0;
    for (let d = 0; d < perm.length; d++) j += (Math.floor(i / os[d]) % outShape[d]) * xs[perm[d]];
    out[i] = x[j];
  }
  return out;
}

/** x[r0, r1, r2] of a 3-D tensor of shape `full`, null ranges meaning the whole axis. */
export const sliceRef = (full: number[], ranges: Array<[number, number] | null>) => (x: Float64Array) => {
  const cs = [full[1] * full[2], full[2], 1];
  const [r0, r1, r2] = full.map((d, i) => ranges[i] ?? [0, d]);
  const out: number[] = [];
  for (let a = r0[0]; a < r0[1]; a++) for (let b = r1[0]; b < r1[1]; b++) for (let c = r2[0]; c < r2[1]; c++) out.push(x[a * cs[0] + b * cs[1] + c]);
  return Float64Array.from(out);
};

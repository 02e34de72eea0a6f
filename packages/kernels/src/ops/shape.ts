/**
 * Shape ops. `reshape` is free (same storage). Everything else that moves data — `permute`,
 * `transpose`, `expand`, `slice`, `concat` — is one of two strided kernels:
 *
 *   gather:  out[i] = x[offset + Σ_d coord_d(i) · stride_d]   (coords of i in out's shape)
 *   scatter: out[offset + Σ_d coord_d(i) · stride_d] = x[i]    (coords of i in x's shape)
 *
 * A permutation, a broadcast (stride 0), a slice (an offset and the parent's strides) are all
 * just strides; their backwards are the other kernel, or a sum for broadcasts (`expand`, with that
 * sum, is in broadcast.ts).
 *
 * Slices and concatenations that are a few contiguous runs (rows of a batch, channel blocks of
 * NCHW) are buffer copies instead (`boxRuns`): on lavapipe a copy moves 25–38 GB/s, the scatter
 * kernel, which divides per element to find its coordinates, about 1.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel, MAX_RANK, packed } from '../kernel.js';
import { BYTES_PER_ELEMENT, Tensor, formatShape, shapeSize } from '../tensor.js';
import { uniformStruct, vec4u } from '../uniforms.js';
import { zeros } from './creation.js';

const WG = 256;
/** Every shape op's backward is shape ops again (or a sum), so each supports a double backward. */
const HIGHER_ORDER = { higherOrder: true } as const;

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Boxes of more contiguous runs than this go to the strided kernels (one copy command per run). */
const MAX_COPY_RUNS = 64;

interface Runs {
  /** Offset of each run in the full tensor, in elements. */
  starts: number[];
  /** Elements per run. */
  length: number;
}

/**
 * The box of shape `box` at element `offset` of a contiguous tensor of shape `full`, as contiguous
 * runs: the trailing axes the box spans whole, and the one before them, make one run; the axes
 * before that enumerate the runs. Null when that is more than MAX_COPY_RUNS runs or they are not
 * 4-byte aligned (odd f16 runs), or the box is empty.
 */
function boxRuns(box: readonly number[], full: readonly number[], offset: number, bytesPerElement: number): Runs | null {
  let k = box.length - 1;
  while (k >= 0 && box[k] === full[k]) k--;
  const outer = box.slice(0, Math.max(k, 0));
  const length = shapeSize(box.slice(Math.max(k, 0)));
  const count = shapeSize(outer);
  if (length === 0 || count === 0 || count > MAX_COPY_RUNS) return null;
  const cs = contiguousStrides(full);
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    let rem = i;
    let j = offset;
    for (let d = outer.length - 1; d >= 0; d--) {
      j += (rem % outer[d]) * cs[d];
      rem = Math.floor(rem / outer[d]);
    }
    starts.push(j);
  }
  if ((length * bytesPerElement) % 4 !== 0 || starts.some((s) => (s * bytesPerElement) % 4 !== 0)) return null;
  return { starts, length };
}

/** Copies run i of `runs` between `full` (at its start) and `packed` (at i·length), either way. */
function copyRuns(runs: Runs, full: Tensor, packed: Tensor, intoFull: boolean): void {
  const b = BYTES_PER_ELEMENT[full.dtype];
  const bytes = runs.length * b;
  runs.starts.forEach((start, i) => {
    if (intoFull) full.rt.copyBytes(packed, i * bytes, full, start * b, bytes);
    else full.rt.copyBytes(full, start * b, packed, i * bytes, bytes);
  });
}

/** Normalises a possibly negative axis; throws naming the op if out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Same data, new shape (one dimension may be -1). No copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (infer >= 0) {
    const rest = shapeSize(target.filter((_, i) => i !== infer));
    target[infer] = rest === 0 ? 0 : x.size / rest;
  }
  if (!target.every((d) => Number.isInteger(d) && d >= 0) || shapeSize(target) !== x.size) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  const out = new Tensor(x.rt, target, x.dtype, x.shareStorage('reshape'));
  return attach(out, 'reshape', [x], (g) => [reshape(g, x.shape)], HIGHER_ORDER);
}

/** Shape and strides of up to MAX_RANK dims, packed 4 to a vec4. */
const STRIDED_U = uniformStruct({ shape: vec4u(2), strides: vec4u(2), n: 'u32', offset: 'u32' });

/** The key names the mode, rank and dtype, all the WGSL depends on; the runtime compiles each key once. */
function stridedKernel(mode: 'gather' | 'scatter', rank: number, dtype: string): Kernel {
  return kernel(mode, `${mode}:${rank}:${dtype}`, () => stridedWgsl(mode, rank, dtype), dtype === 'f16');
}

function stridedWgsl(mode: 'gather' | 'scatter', rank: number, dtype: string): string {
  let index = '  var rem = idx; var j = u.offset;\n';
  for (let d = rank - 1; d >= 0; d--) {
    index += `  { let c = rem % ${packed('shape', d)}; rem = rem / ${packed('shape', d)}; j += c * ${packed('strides', d)}; }\n`;
  }
  const store = mode === 'gather' ? 'out[idx] = X[j];' : 'out[j] = X[idx];';
  return `
${bindings([['X', dtype]], [['out', dtype]], STRIDED_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }\n${index}  ${store}`)}`;
}

/** out (of `shape`) [i] = x[offset + Σ coord·strides]. No gradient. `op` names the caller in errors. */
export function stridedGather(x: Tensor, shape: readonly number[], strides: readonly number[], offset = 0, op = 'gather'): Tensor {
  if (shape.length > MAX_RANK) throw new Error(`${op}: rank ${shape.length} is over the maximum of ${MAX_RANK}`);
  const out = x.rt.empty(shape, x.dtype, op);
  x.rt.dispatch(stridedKernel('gather', shape.length, x.dtype), {
    read: [x],
    write: [out],
    uniforms: STRIDED_U.pack({ shape, strides, n: out.size, offset }),
    workgroups: Math.ceil(out.size / WG),
  });
  return out;
}

/** into[offset + Σ coord·strides] = x[i], coords in x's shape; writes into `into` in place. */
export function stridedScatter(x: Tensor, into: Tensor, strides: readonly number[], offset = 0): void {
  if (x.rank > MAX_RANK) throw new Error(`scatter: rank ${x.rank} is over the maximum of ${MAX_RANK}`);
  if (x.dtype !== into.dtype) throw new Error(`scatter: ${x.dtype} ${formatShape(x.shape)} into a ${into.dtype} ${formatShape(into.shape)}`);
  x.rt.dispatch(stridedKernel('scatter', x.rank, x.dtype), {
    read: [x],
    write: [into],
    uniforms: STRIDED_U.pack({ shape: x.shape, strides, n: x.size, offset }),
    workgroups: Math.ceil(x.size / WG),
  });
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  x.assertLive('permute');
  const r = x.rank;
  const p = perm.map((a) => normAxis('permute', a, r));
  if (p.length !== r || new Set(p).size !== r) throw new Error(`permute: [${perm.join(', ')}] is not a permutation of ${r} axes`);
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const inStrides = contiguousStrides(x.shape);
  const out = stridedGather(x, p.map((a) => x.shape[a]), p.map((a) => inStrides[a]), 0, 'permute');
  const inverse = new Array<number>(r);
  p.forEach((a, i) => (inverse[a] = i));
  return attach(out, 'permute', [x], (g) => [permute(g, inverse)], HIGHER_ORDER);
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = normAxis('transpose', a, x.rank);
  const j = normAxis('transpose', b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** out = x[start_0:end_0, start_1:end_1, …]; axes not given are kept whole. Negative indices count from the end. */
export function slice(x: Tensor, ranges: ReadonlyArray<readonly [number, number] | null>): Tensor {
  x.assertLive('slice');
  if (ranges.length > x.rank) throw new Error(`slice: ${ranges.length} ranges for rank ${x.rank}`);
  const cs = contiguousStrides(x.shape);
  let offset = 0;
  const whole: Array<[number, number]> = [];
  const shape = x.shape.map((d, i) => {
    const r = ranges[i];
    whole.push([0, d]);
    if (!r) return d;
    const s = r[0] < 0 ? r[0] + d : r[0];
    const e = r[1] < 0 ? r[1] + d : r[1];
    if (s < 0 || s > e || e > d) throw new Error(`slice: range [${r[0]}, ${r[1]}) is out of bounds for axis ${i} of ${formatShape(x.shape)}`);
    offset += s * cs[i];
    whole[i] = [s, e];
    return e - s;
  });
  const runs = boxRuns(shape, x.shape, offset, BYTES_PER_ELEMENT[x.dtype]);
  let out: Tensor;
  if (runs) {
    out = x.rt.empty(shape, x.dtype, 'slice');
    copyRuns(runs, x, out, false);
  } else out = stridedGather(x, shape, cs, offset, 'slice');
  return attach(out, 'slice', [x], (g) => [sliceGrad(g, x.shape, whole, g.dtype === x.dtype ? runs : null, offset)], HIGHER_ORDER);
}

/**
 * slice's gradient: g placed into zeros of the sliced tensor's shape. An op of its own so it can
 * be differentiated again (its gradient is the slice of the incoming one). `runs` are the slice's
 * copy runs when g has the sliced tensor's dtype.
 */
function sliceGrad(g: Tensor, full: readonly number[], ranges: Array<[number, number]>, runs: Runs | null, offset: number): Tensor {
  const dx = zeros(g.rt, full, g.dtype);
  const gRuns = runs ?? boxRuns(g.shape, full, offset, BYTES_PER_ELEMENT[g.dtype]);
  if (gRuns) copyRuns(gRuns, dx, g, true);
  else stridedScatter(g, dx, contiguousStrides(full), offset);
  return attach(dx, 'sliceGrad', [g], (gg) => [slice(gg, ranges)], HIGHER_ORDER);
}

/** Joins tensors along an axis. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: no tensors');
  const r = xs[0].rank;
  const a = normAxis('concat', axis, r);
  for (const t of xs) xs[0].rt.checkOwn('concat', t);
  if (xs.some((t) => t.dtype !== xs[0].dtype)) {
    throw new Error(`concat: dtypes differ: ${xs.map((t) => `${t.dtype} ${formatShape(t.shape)}`).join(', ')}`);
  }
  for (const t of xs) {
    if (t.rank !== r || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new Error(`concat: shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} do not match outside axis ${axis}`);
    }
  }
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((s, t) => s + t.shape[a], 0);
  const rt = xs[0].rt;
  const out = rt.empty(shape, xs[0].dtype, 'concat');
  const cs = contiguousStrides(shape);
  const starts: number[] = [];
  let start = 0;
  for (const t of xs) {
    starts.push(start);
    const runs = boxRuns(t.shape, shape, start * cs[a], BYTES_PER_ELEMENT[t.dtype]);
    if (runs) copyRuns(runs, out, t, true);
    else stridedScatter(t, out, cs, start * cs[a]);
    start += t.shape[a];
  }
  return attach(
    out,
    'concat',
    xs,
    (g, ctx) =>
      xs.map((t, i) => {
        if (!ctx.needs[i]) return null;
        const ranges: Array<[number, number] | null> = shape.map(() => null);
        ranges[a] = [starts[i], starts[i] + t.shape[a]];
        return slice(g, ranges);
      }),
    HIGHER_ORDER,
  );
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('stack: no tensors');
  const a = normAxis('stack', axis, xs[0].rank + 1);
  return concat(
    xs.map((t) => reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)])),
    a,
  );
}

/**
 * The reduction kernels, without autodiff (the differentiable `sum` is in broadcast.ts, `mean` and
 * `max` in reduce.ts; both build on these).
 *
 * Any set of axes is reduced as a sequence of [outer, R, inner] passes, one per run of adjacent
 * reduced axes, so no transposing copy is needed. A pass with inner = 1 and a long R gives each
 * row a workgroup with a tree reduction; otherwise each thread owns one output and loops over R
 * (reads are contiguous across threads along `inner`).
 */
import { bindings, flatMain, kernel, type Kernel } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { normAxis, reshape } from './shape.js';

export type ReduceOp = 'sum' | 'max';
const INIT: Record<ReduceOp, string> = { sum: '0.0', max: '-3.402823e38' };
const COMBINE: Record<ReduceOp, (a: string, b: string) => string> = {
  sum: (a, b) => `${a} + ${b}`,
  max: (a, b) => `max(${a}, ${b})`,
};
const ROW_WG = 256;
const WG = 64;

const ROW_U = uniformStruct({ rows: 'u32', R: 'u32' });
const LOOP_U = uniformStruct({ n: 'u32', R: 'u32', inner: 'u32' });

// Keys name the reduction; the runtime compiles each key once.
function rowKernel(op: ReduceOp): Kernel {
  return kernel('reduce', `row:${op}`, () => `
${bindings([['X', 'f32']], [['out', 'f32']], ROW_U.wgsl)}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.rows) { return; }
  var acc = ${INIT[op]};
  for (var r = lid; r < u.R; r += ${ROW_WG}u) { acc = ${COMBINE[op]('acc', 'X[row * u.R + r]')}; }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = ${COMBINE[op]('part[lid]', 'part[lid + s]')}; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[row] = part[0]; }
}`);
}

function loopKernel(op: ReduceOp): Kernel {
  return kernel('reduce', `loop:${op}`, () => `
${bindings([['X', 'f32']], [['out', 'f32']], LOOP_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let o = idx / u.inner; let i = idx % u.inner;
  let base = o * u.R * u.inner + i;
  var acc = ${INIT[op]};
  for (var r = 0u; r < u.R; r++) { acc = ${COMBINE[op]('acc', 'X[base + r * u.inner]')}; }
  out[idx] = acc;`)}`);
}

/** One pass: x viewed as [outer, R, inner] → [outer, inner]. */
function reducePass(op: ReduceOp, x: Tensor, outer: number, R: number, inner: number): Tensor {
  const rt = x.rt;
  const out = rt.empty([outer * inner], 'f32', op);
  if (inner === 1 && R >= 64) {
    rt.dispatch(rowKernel(op), { read: [x], write: [out], uniforms: ROW_U.pack({ rows: outer, R }), workgroups: outer });
  } else {
    rt.dispatch(loopKernel(op), { read: [x], write: [out], uniforms: LOOP_U.pack({ n: outer * inner, R, inner }), workgroups: Math.ceil((outer * inner) / WG) });
  }
  return out;
}

export function normAxes(op: string, x: Tensor, axes?: number | readonly number[]): number[] {
  if (axes === undefined) return [...Array(x.rank).keys()];
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const norm = [...new Set(list.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  return norm;
}

/** Reduces `axes` of x without recording a gradient; returns the kept shape too. */
export function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  if (x.dtype !== 'f32') throw new Error(`${op}: expected an f32 tensor, got ${x.dtype} ${formatShape(x.shape)}`);
  x.assertLive(op);
  const reduced = new Set(axes);
  let shape = [...x.shape];
  let cur = x;
  // Process runs of adjacent reduced axes from the last, so earlier axis indices stay valid.
  for (let end = shape.length - 1; end >= 0; end--) {
    if (!reduced.has(end)) continue;
    let start = end;
    while (start - 1 >= 0 && reduced.has(start - 1)) start--;
    const outer = shape.slice(0, start).reduce((a, b) => a * b, 1);
    const R = shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
    const inner = shape.slice(end + 1).reduce((a, b) => a * b, 1);
    const next = reducePass(op, cur, outer, R, inner);
    if (cur !== x) cur.dispose();
    cur = next;
    shape = [...shape.slice(0, start), ...shape.slice(end + 1)];
    end = start;
  }
  const finalShape = keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
  if (cur === x) return reshape(x, finalShape);
  const out = reshape(cur, finalShape);
  cur.dispose();
  return out;
}

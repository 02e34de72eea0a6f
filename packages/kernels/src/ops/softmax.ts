/**
 * `softmax(x, axis)` and `logSoftmax(x, axis)` as `torch.softmax` / `torch.log_softmax`:
 *
 *   softmax(x)_i    = exp(x_i − m) / Σ_j exp(x_j − m)        m = max_j x_j (for stability)
 *   logSoftmax(x)_i = x_i − m − log Σ_j exp(x_j − m)
 *
 * x is viewed as [outer, R, inner] with R the reduced axis, so any axis works without a
 * transposing copy. Two kernel shapes (`rt.variants.softmax` overrides the choice):
 *  - `thread`: one invocation per row, three plain loops over R; no barriers (what lavapipe likes,
 *    and enough for short rows everywhere).
 *  - `workgroup`: one workgroup per row with tree reductions in workgroup memory: long rows
 *    (vocabulary logits, long attention rows) on real GPUs.
 *
 * Backward (y is the saved output, g the incoming gradient):
 *   softmax:    dx = y ⊙ (g − Σ g⊙y)
 *   logSoftmax: dx = g − exp(y) · Σ g
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { normAxis } from './shape.js';

export type SoftmaxVariant = 'thread' | 'workgroup';
type Mode = 'softmax' | 'logSoftmax' | 'softmaxGrad' | 'logSoftmaxGrad';

const THREAD_WG = 64;
const ROW_WG = 128;
/** Rows at least this long get a workgroup each (on software adapters only when rows are few). */
const LONG_ROW = 256;
const NEG_MAX = '-3.402823e38';

/** The kernel shape for rows of length R; `rt.variants.softmax` overrides. */
export function softmaxVariant(rt: Runtime, rows: number, R: number): SoftmaxVariant {
  const forced = rt.variants.softmax;
  if (forced === 'thread' || forced === 'workgroup') return forced;
  if (R < LONG_ROW) return 'thread';
  // On CPU adapters barriers are dear and many rows already fill both cores.
  return rt.isSoftware && rows >= 64 ? 'thread' : 'workgroup';
}

// -------------------------------------------------------------------------------- WGSL

/** Per-variant building blocks: a reduction over the row and a loop writing it. */
interface RowCode {
  reduce(name: string, init: string, combine: (a: string, b: string) => string, expr: string): string;
  forEach(stmt: string): string;
}

const threadCode: RowCode = {
  reduce: (name, init, combine, expr) => `  var ${name} = ${init};
  for (var r = 0u; r < u.R; r++) { let i = base + r * u.inner; ${name} = ${combine(name, expr)}; }`,
  forEach: (stmt) => `  for (var r = 0u; r < u.R; r++) { let i = base + r * u.inner; ${stmt} }`,
};

const workgroupCode: RowCode = {
  reduce: (name, init, combine, expr) => `  var ${name}_p = ${init};
  for (var r = lid; r < u.R; r += ${ROW_WG}u) { let i = base + r * u.inner; ${name}_p = ${combine(`${name}_p`, expr)}; }
  part[lid] = ${name}_p;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = ${combine('part[lid]', 'part[lid + s]')}; }
    workgroupBarrier();
  }
  let ${name} = part[0];
  workgroupBarrier();`,
  forEach: (stmt) => `  for (var r = lid; r < u.R; r += ${ROW_WG}u) { let i = base + r * u.inner; ${stmt} }`,
};

const maxOf = (a: string, b: string) => `max(${a}, ${b})`;
const sumOf = (a: string, b: string) => `${a} + ${b}`;

function body(mode: Mode, c: RowCode): string {
  switch (mode) {
    case 'softmax':
      return [
        c.reduce('m', NEG_MAX, maxOf, 'X[i]'),
        c.reduce('s', '0.0', sumOf, 'exp(X[i] - m)'),
        '  let inv = 1.0 / s;',
        c.forEach('Y[i] = exp(X[i] - m) * inv;'),
      ].join('\n');
    case 'logSoftmax':
      return [
        c.reduce('m', NEG_MAX, maxOf, 'X[i]'),
        c.reduce('s', '0.0', sumOf, 'exp(X[i] - m)'),
        '  let lse = m + log(s);',
        c.forEach('Y[i] = X[i] - lse;'),
      ].join('\n');
    case 'softmaxGrad': // X = y, G = g
      return [c.reduce('dot', '0.0', sumOf, 'G[i] * X[i]'), c.forEach('Y[i] = X[i] * (G[i] - dot);')].join('\n');
    case 'logSoftmaxGrad':
      return [c.reduce('gs', '0.0', sumOf, 'G[i]'), c.forEach('Y[i] = G[i] - exp(X[i]) * gs;')].join('\n');
  }
}

const U = uniformStruct({ rows: 'u32', R: 'u32', inner: 'u32' });

/** The key names the mode and variant, all the WGSL depends on; the runtime compiles each key once. */
function softmaxKernel(mode: Mode, variant: SoftmaxVariant): Kernel {
  return kernel('softmax', `${mode}:${variant}`, () => softmaxWgsl(mode, variant));
}

function softmaxWgsl(mode: Mode, variant: SoftmaxVariant): string {
  const grad = mode.endsWith('Grad');
  const binds = bindings(grad ? [['X', 'f32'], ['G', 'f32']] : [['X', 'f32']], [['Y', 'f32']], U.wgsl);
  const rowBase = '  let base = (row / u.inner) * u.R * u.inner + row % u.inner;';
  return variant === 'thread'
    ? `${binds}
${flatMain(THREAD_WG, `  let row = idx;
  if (row >= u.rows) { return; }
${rowBase}
${body(mode, threadCode)}`)}`
    : `${binds}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.rows) { return; }
${rowBase}
${body(mode, workgroupCode)}
}`;
}

// -------------------------------------------------------------------------------- launch

function checkInput(op: string, x: Tensor, axis: number): number {
  if (x.dtype !== 'f32') throw new Error(`${op}: expected an f32 tensor, got ${x.dtype} ${formatShape(x.shape)}`);
  x.assertLive(op);
  if (x.rank === 0) throw new Error(`${op}: needs at least one axis, got a scalar ${formatShape(x.shape)}`);
  return normAxis(op, axis, x.rank);
}

function run(mode: Mode, x: Tensor, g: Tensor | null, axis: number): Tensor {
  const rt = x.rt;
  const R = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const rows = R === 0 ? 0 : x.size / R;
  const out = rt.empty(x.shape, 'f32', mode);
  const variant = softmaxVariant(rt, rows, R);
  rt.dispatch(softmaxKernel(mode, variant), {
    read: g ? [x, g] : [x],
    write: [out],
    uniforms: U.pack({ rows, R, inner: Math.max(inner, 1) }),
    workgroups: variant === 'thread' ? Math.ceil(rows / THREAD_WG) : rows,
  });
  return out;
}

/** Softmax along `axis` without recording a gradient. */
export function softmaxRaw(x: Tensor, axis = -1): Tensor {
  return run('softmax', x, null, checkInput('softmax', x, axis));
}

/** The softmax backward alone: y ⊙ (g − Σ g⊙y) along `axis`, for the saved output y. */
export function softmaxBackwardRaw(y: Tensor, g: Tensor, axis = -1): Tensor {
  const a = checkInput('softmax backward', y, axis);
  if (g.size !== y.size) throw new Error(`softmax backward: gradient ${formatShape(g.shape)} for output ${formatShape(y.shape)}`);
  return run('softmaxGrad', y, g, a);
}

/** exp(x_i) / Σ_j exp(x_j) along `axis` (default the last), max-subtracted. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = checkInput('softmax', x, axis);
  const y = run('softmax', x, null, a);
  return attach(y, 'softmax', [x], (g) => [run('softmaxGrad', y, g, a)]);
}

/** x_i − log Σ_j exp(x_j) along `axis` (default the last), max-subtracted. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = checkInput('logSoftmax', x, axis);
  const y = run('logSoftmax', x, null, a);
  return attach(y, 'logSoftmax', [x], (g) => [run('logSoftmaxGrad', y, g, a)]);
}

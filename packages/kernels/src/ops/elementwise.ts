/**
 * Elementwise ops: unary (with an optional scalar parameter), binary with NumPy broadcasting,
 * comparisons, `where`, and `lerp`.
 *
 * Each unary op is one row of a table: its WGSL forward expression in `x` (and parameter `p`),
 * and its derivative in `x`, `y` (the output) and `p`, which a second fused kernel multiplies by
 * the incoming gradient. Binary ops have a same-shape fast path and a rank-specialised
 * broadcasting path (strides of 0 on broadcast axes).
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel, MAX_RANK, packed } from '../kernel.js';
import { Tensor, formatShape } from '../tensor.js';
import { uniformStruct, vec4u } from '../uniforms.js';
import { zerosLike } from './creation.js';
import { sumTo } from './broadcast.js';

const WG = 256;

// ------------------------------------------------------------------------------------ unary

interface UnaryDef {
  /** Forward, in x and p. */
  f: string;
  /** d y / d x, in x, y and p; null if not differentiable (the op then has no backward). */
  df: string | null;
  /** Float64 CPU twin of f, for the tests. */
  ref: (x: number, p: number) => number;
}

/** tanh written to stay finite for large |x| (exp overflow would give inf/inf). */
const TANH = '(sign(x) * (1.0 - exp(-2.0 * abs(x))) / (1.0 + exp(-2.0 * abs(x))))';

export const UNARY = {
  neg: { f: '-x', df: '-1.0', ref: (x) => -x },
  exp: { f: 'exp(x)', df: 'y', ref: Math.exp },
  log: { f: 'log(x)', df: '1.0 / x', ref: Math.log },
  sqrt: { f: 'sqrt(x)', df: '0.5 / y', ref: Math.sqrt },
  rsqrt: { f: 'inverseSqrt(x)', df: '-0.5 * y * y * y', ref: (x) => 1 / Math.sqrt(x) },
  abs: { f: 'abs(x)', df: 'sign(x)', ref: Math.abs },
  sin: { f: 'sin(x)', df: 'cos(x)', ref: Math.sin },
  cos: { f: 'cos(x)', df: '-sin(x)', ref: Math.cos },
  tanh: { f: TANH, df: '1.0 - y * y', ref: Math.tanh },
  sigmoid: { f: '1.0 / (1.0 + exp(-x))', df: 'y * (1.0 - y)', ref: (x) => 1 / (1 + Math.exp(-x)) },
  relu: { f: 'max(x, 0.0)', df: 'select(0.0, 1.0, x > 0.0)', ref: (x) => Math.max(x, 0) },
  square: { f: 'x * x', df: '2.0 * x', ref: (x) => x * x },
  reciprocal: { f: '1.0 / x', df: '-y * y', ref: (x) => 1 / x },
  addScalar: { f: 'x + p', df: '1.0', ref: (x, p) => x + p },
  mulScalar: { f: 'x * p', df: 'p', ref: (x, p) => x * p },
  /** x^p for x > 0 (or any x when p is an integer written as such). */
  powScalar: {
    f: 'select(pow(abs(x), p) * select(1.0, -1.0, x < 0.0 && fract(p * 0.5) != 0.0), pow(x, p), x > 0.0)',
    df: 'select(p * y / x, p * pow(x, p - 1.0), x > 0.0)',
    ref: (x, p) => x ** p,
  },
  clampMin: { f: 'max(x, p)', df: 'select(0.0, 1.0, x > p)', ref: (x, p) => Math.max(x, p) },
  clampMax: { f: 'min(x, p)', df: 'select(0.0, 1.0, x < p)', ref: (x, p) => Math.min(x, p) },
  sign: { f: 'sign(x)', df: null, ref: Math.sign },
} satisfies Record<string, UnaryDef>;
export type UnaryOp = keyof typeof UNARY;

/**
 * Elementwise work on vec4 loads and stores: the scalar expression becomes a WGSL function `fn1`
 * applied to each component. On CPU adapters the cost is per invocation and per memory access,
 * so whole-vec4 loads and a quarter of the invocations are most of the gain. `args` are the
 * names of the vec4 operands (loaded from the same-named upper-case buffers) followed by any
 * scalar extras.
 */
function perComponent(loads: readonly string[], extra: string, t: Float): string {
  const call = (c: string) => `fn1(${[...loads.map((v) => `${v}.${c}`), ...(extra ? [extra] : [])].join(', ')})`;
  // Each invocation takes VEC4_PER_THREAD vec4s, strided by the invocation count so neighbouring
  // invocations still touch neighbouring memory (what GPUs coalesce).
  return `  let total = nwg.x * nwg.y * ${WG}u;
  for (var i = idx; i < u.n; i += total) {
${loads.map((v) => `    let ${v} = ${v.toUpperCase()}[i];`).join('\n')}
    out[i] = vec4<${t}>(${['x', 'y', 'z', 'w'].map(call).join(', ')});
  }`;
}

/** The scalar expression as `fn1(params…) -> t`. */
function scalarFn(params: readonly string[], expr: string, t: Float): string {
  return `fn fn1(${params.map((p) => `${p}: ${t}`).join(', ')}) -> ${t} { return ${expr}; }`;
}

/** The float types elementwise ops compute in: f32, and f16 where the adapter has shader-f16. */
type Float = 'f32' | 'f16';

/** vec4s per invocation in the vec4 kernels. */
const VEC4_PER_THREAD = 4;
const vec4Groups = (n4: number) => Math.ceil(n4 / (WG * VEC4_PER_THREAD));

const UNARY_U = uniformStruct({ n: 'u32', p: 'f32' });
const BINARY_U = uniformStruct({ n: 'u32' });
/** Shapes and strides of up to MAX_RANK dims, packed 4 to a vec4. */
const STRIDED_U = uniformStruct({ shape: vec4u(2), sa: vec4u(2), sb: vec4u(2), n: 'u32' });
const ROWS_U = uniformStruct({ shape: vec4u(2), sa: vec4u(2), sb: vec4u(2), rows: 'u32', inner: 'u32' });

/** Kernel keys name everything their WGSL depends on; the runtime compiles each key once. */
function unaryKernel(op: UnaryOp, grad: boolean, vec4: boolean, t: Float): Kernel {
  return kernel(grad ? 'unaryGrad' : 'unary', `${op}:${grad}:${vec4}:${t}`, () => unaryWgsl(op, grad, vec4, t), t === 'f16');
}

function unaryWgsl(op: UnaryOp, grad: boolean, vec4: boolean, t: Float): string {
  const def: UnaryDef = UNARY[op];
  const v = vec4 ? `vec4<${t}>` : t;
  // The parameter travels as an f32 uniform and is converted once.
  const p = `${t}(u.p)`;
  return vec4
    ? grad
      ? `
${bindings([['X', v], ['Y', v], ['G', v]], [['out', v]], UNARY_U.wgsl)}
${scalarFn(['x', 'y', 'g', 'p'], `g * (${def.df})`, t)}
${flatMain(WG, perComponent(['x', 'y', 'g'], p, t))}`
      : `
${bindings([['X', v]], [['out', v]], UNARY_U.wgsl)}
${scalarFn(['x', 'p'], def.f, t)}
${flatMain(WG, perComponent(['x'], p, t))}`
    : grad
      ? `
${bindings([['X', v], ['Y', v], ['G', v]], [['out', v]], UNARY_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let x = X[idx]; let y = Y[idx]; let p = ${p};
  out[idx] = G[idx] * (${def.df});`)}`
      : `
${bindings([['X', v]], [['out', v]], UNARY_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let x = X[idx]; let p = ${p};
  out[idx] = ${def.f};`)}`;
}

/** Applies a unary op from the table. `p` is the scalar parameter of the ops that take one. */
export function unary(op: UnaryOp, x: Tensor, p = 0): Tensor {
  const t = checkFloat(op, x);
  const rt = x.rt;
  const y = rt.empty(x.shape, t, op);
  const vec4 = x.size % 4 === 0;
  const n = vec4 ? x.size / 4 : x.size;
  const groups = vec4 ? vec4Groups(n) : Math.ceil(n / WG);
  rt.dispatch(unaryKernel(op, false, vec4, t), { read: [x], write: [y], uniforms: UNARY_U.pack({ n, p }), workgroups: groups });
  if (UNARY[op].df === null) return y;
  const recorded = RECORDED_GRAD[op];
  return attach(
    y,
    op,
    [x],
    (g, ctx) => {
      // Under createGraph the gradient is built from recorded ops; otherwise one fused kernel.
      if (ctx.createGraph && recorded) return [recorded(g, x, y, p)];
      const dx = rt.empty(x.shape, t, `${op} backward`);
      rt.dispatch(unaryKernel(op, true, vec4, t), { read: [x, y, g], write: [dx], uniforms: UNARY_U.pack({ n, p }), workgroups: groups });
      return [dx];
    },
    { higherOrder: !!recorded },
  );
}

/**
 * g · dy/dx from differentiable ops, for the unary ops that support a double backward (the rest
 * throw under createGraph, naming the op). The fused kernel computes the same products.
 */
const RECORDED_GRAD: Partial<Record<UnaryOp, (g: Tensor, x: Tensor, y: Tensor, p: number) => Tensor>> = {
  neg: (g) => neg(g),
  exp: (g, _x, y) => mul(g, y),
  log: (g, x) => div(g, x),
  sqrt: (g, _x, y) => div(mulScalar(g, 0.5), y),
  rsqrt: (g, _x, y) => mul(g, mulScalar(mul(y, square(y)), -0.5)),
  square: (g, x) => mul(g, mulScalar(x, 2)),
  reciprocal: (g, _x, y) => neg(mul(g, square(y))),
  addScalar: (g) => g,
  mulScalar: (g, _x, _y, p) => mulScalar(g, p),
  // Piecewise linear: the mask is constant almost everywhere, so it carries no gradient.
  abs: (g, x) => mul(g, unary('sign', x)),
  relu: (g, x) => mul(g, binaryRaw('greater', x, zerosLike(x))),
};

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
export const abs = (x: Tensor) => unary('abs', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const relu = (x: Tensor) => unary('relu', x);
export const square = (x: Tensor) => unary('square', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const addScalar = (x: Tensor, s: number) => unary('addScalar', x, s);
export const mulScalar = (x: Tensor, s: number) => unary('mulScalar', x, s);
export const powScalar = (x: Tensor, s: number) => unary('powScalar', x, s);
export const clampMin = (x: Tensor, s: number) => unary('clampMin', x, s);
export const clampMax = (x: Tensor, s: number) => unary('clampMax', x, s);
export const sign = (x: Tensor) => unary('sign', x);

// ------------------------------------------------------------------------------------ binary

export const BINARY = {
  add: { f: 'a + b', ref: (a: number, b: number) => a + b },
  sub: { f: 'a - b', ref: (a: number, b: number) => a - b },
  mul: { f: 'a * b', ref: (a: number, b: number) => a * b },
  div: { f: 'a / b', ref: (a: number, b: number) => a / b },
  maximum: { f: 'max(a, b)', ref: Math.max },
  minimum: { f: 'min(a, b)', ref: Math.min },
  greater: { f: 'select(0.0, 1.0, a > b)', ref: (a: number, b: number) => +(a > b) },
  greaterEqual: { f: 'select(0.0, 1.0, a >= b)', ref: (a: number, b: number) => +(a >= b) },
  less: { f: 'select(0.0, 1.0, a < b)', ref: (a: number, b: number) => +(a < b) },
  equal: { f: 'select(0.0, 1.0, a == b)', ref: (a: number, b: number) => +(a === b) },
} as const;
export type BinaryOp = keyof typeof BINARY;

/** NumPy broadcasting of two shapes; throws naming the op if they do not broadcast. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = r - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

function binaryKernel(op: BinaryOp, rank: number | 'vec4', t: Float): Kernel {
  return kernel('binary', `${op}:${rank}:${t}`, () => binaryWgsl(op, rank, t), t === 'f16');
}

function binaryWgsl(op: BinaryOp, rank: number | 'vec4', t: Float): string {
  const f = BINARY[op].f;
  if (rank === 'vec4') {
    return `
${bindings([['A', `vec4<${t}>`], ['B', `vec4<${t}>`]], [['out', `vec4<${t}>`]], BINARY_U.wgsl)}
${scalarFn(['a', 'b'], f, t)}
${flatMain(WG, perComponent(['a', 'b'], '', t))}`;
  }
  if (rank === 0) {
    return `
${bindings([['A', t], ['B', t]], [['out', t]], BINARY_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let a = A[idx]; let b = B[idx];
  out[idx] = ${f};`)}`;
  }
  let index = '  var rem = idx; var ia = 0u; var ib = 0u;\n';
  for (let d = rank - 1; d >= 0; d--) {
    index += `  { let c = rem % ${packed('shape', d)}; rem = rem / ${packed('shape', d)}; ia += c * ${packed('sa', d)}; ib += c * ${packed('sb', d)}; }\n`;
  }
  return `
${bindings([['A', t], ['B', t]], [['out', t]], STRIDED_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
${index}  let a = A[ia]; let b = B[ib];
  out[idx] = ${f};`)}`;
}

/**
 * Output dims with size-1 dims dropped and adjacent dims merged wherever both inputs step through
 * them alike (stride of the outer = stride of the inner × its size; broadcast 0s merge with 0s).
 * [N, C, H, W] + [N, 1, H, W] becomes [N, C, H·W] with b's strides [H·W, 0, 1].
 */
export function coalesceBroadcast(shape: readonly number[], sa: readonly number[], sb: readonly number[]): [number[], number[], number[]] {
  const dims: Array<[number, number, number]> = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    const last = dims[dims.length - 1];
    if (last && sa[i] === last[1] * last[0] && sb[i] === last[2] * last[0]) last[0] *= shape[i];
    else dims.push([shape[i], sa[i], sb[i]]);
  }
  dims.reverse();
  return [dims.map((d) => d[0]), dims.map((d) => d[1]), dims.map((d) => d[2])];
}

/** Elements per thread along the inner dim in the broadcast `rows` kernel. */
const ROW_ELEMS = 4;
const ROWS_WG = 64;
const ROWS_PER_Y = 65535;

/**
 * A broadcast binary op with no per-element integer division (lavapipe scalarises it per lane):
 * after coalescing, the last dim is walked by threads, ROW_ELEMS elements each; the other dims
 * (the "row") come from the workgroup id, decomposed once per thread. Inner strides are 0 or 1
 * and compiled in. With `vec` (inner % 4 == 0) the elements are vec4s, and an input broadcast
 * along the row is read once and splatted: lavapipe pays per lane per access, so a 16-byte access
 * costs about what a 4-byte one does. Measured on lavapipe, scalar → vec4: [4, 512, 64, 64] +
 * noise [1, 1, 64, 64] 14.4–15.1 → 7.0–7.1 ms; + a bias [1, 512, 1, 1] at 32 px 4.2–4.4 → 1.9 ms.
 */
function binaryRowsKernel(op: BinaryOp, rowRank: number, innerA: number, innerB: number, t: Float, vec: boolean): Kernel {
  const key = `${op}:rows${rowRank}:${innerA}${innerB}${vec ? ':vec4' : ''}:${t}`;
  return kernel('binary', key, () => binaryRowsWgsl(op, rowRank, innerA, innerB, t, vec), t === 'f16');
}

function binaryRowsWgsl(op: BinaryOp, rowRank: number, innerA: number, innerB: number, t: Float, vec: boolean): string {
  let index = '  var rem = row; var ia = 0u; var ib = 0u;\n';
  for (let d = rowRank - 1; d >= 0; d--) {
    index += `  { let c = rem % ${packed('shape', d)}; rem = rem / ${packed('shape', d)}; ia += c * ${packed('sa', d)}; ib += c * ${packed('sb', d)}; }\n`;
  }
  const V = `vec4<${t}>`;
  // Row offsets are in elements; an input that steps along the row is a multiple of the row (so of 4) there.
  const at = (name: string, base: string, stride: number) =>
    !vec ? (stride ? `${name}[${base} + j]` : `${name}[${base}]`) : stride ? `${name}[${base} / 4u + j]` : `${V}(${name}[${base}])`;
  const value = vec ? `${V}(${['x', 'y', 'z', 'w'].map((c) => `fn1(a.${c}, b.${c})`).join(', ')})` : 'fn1(a, b)';
  return `
${bindings([['A', vec && innerA ? V : t], ['B', vec && innerB ? V : t]], [['out', vec ? V : t]], ROWS_U.wgsl)}
${scalarFn(['a', 'b'], BINARY[op].f, t)}
@compute @workgroup_size(${ROWS_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let row = wid.y + wid.z * ${ROWS_PER_Y}u;
  if (row >= u.rows) { return; }
${index}  let ob = row * u.inner;
${[...Array(ROW_ELEMS).keys()].map((e) => `  { let j = gid.x * ${ROW_ELEMS}u + ${e}u; if (j < u.inner) { let a = ${at('A', 'ia', innerA)}; let b = ${at('B', 'ib', innerB)}; out[ob + j] = ${value}; } }`).join('\n')}
}`;
}

/** Applies a binary op with broadcasting; no gradient recorded. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const t = checkFloat(op, a);
  if (checkFloat(op, b) !== t) throw new Error(`${op}: dtypes differ: ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}; cast one first`);
  if (a.rt !== b.rt) throw new Error(`${op}: tensors belong to different runtimes`);
  const rt = a.rt;
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  const shape = same ? [...a.shape] : broadcastShapes(op, a.shape, b.shape);
  if (shape.length > MAX_RANK) throw new Error(`${op}: rank ${shape.length} is over the maximum of ${MAX_RANK}`);
  const out = rt.empty(shape, t, op);
  if (same && out.size % 4 === 0) {
    const n4 = out.size / 4;
    rt.dispatch(binaryKernel(op, 'vec4', t), { read: [a, b], write: [out], uniforms: BINARY_U.pack({ n: n4 }), workgroups: vec4Groups(n4) });
  } else if (same) {
    rt.dispatch(binaryKernel(op, 0, t), { read: [a, b], write: [out], uniforms: BINARY_U.pack({ n: out.size }), workgroups: Math.ceil(out.size / WG) });
  } else {
    const sa = broadcastStrides(a.shape, shape);
    const sb = broadcastStrides(b.shape, shape);
    const [cs, ca, cb] = coalesceBroadcast(shape, sa, sb);
    const inner = cs[cs.length - 1] ?? 1;
    const rows = out.size / inner;
    // Rows of at least a workgroup's worth; short rows would leave most threads idle.
    if (cs.length >= 1 && inner >= ROWS_WG && rows <= ROWS_PER_Y * ROWS_PER_Y) {
      const r = cs.length - 1;
      const vec = inner % 4 === 0;
      const per = vec ? inner / 4 : inner;
      const uniforms = ROWS_U.pack({ shape: cs.slice(0, r), sa: ca.slice(0, r), sb: cb.slice(0, r), rows, inner: per });
      const grid: [number, number, number] = [Math.ceil(per / (ROWS_WG * ROW_ELEMS)), Math.min(rows, ROWS_PER_Y), Math.ceil(rows / ROWS_PER_Y)];
      rt.dispatch(binaryRowsKernel(op, r, ca[r], cb[r], t, vec), { read: [a, b], write: [out], uniforms, workgroups: grid });
    } else {
      const uniforms = STRIDED_U.pack({ shape, sa, sb, n: out.size });
      rt.dispatch(binaryKernel(op, shape.length, t), { read: [a, b], write: [out], uniforms, workgroups: Math.ceil(out.size / WG) });
    }
  }
  return out;
}

// The binary ops' backwards are built from the recorded ops themselves (no cost when not
// recording), so they support a double backward.
const HIGHER_ORDER = { higherOrder: true } as const;

export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('add', a, b);
  return attach(out, 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)], HIGHER_ORDER);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('sub', a, b);
  return attach(out, 'sub', [a, b], (g) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null], HIGHER_ORDER);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('mul', a, b);
  return attach(
    out,
    'mul',
    [a, b],
    (g, ctx) => [ctx.needs[0] ? sumTo(mul(g, b), a.shape) : null, ctx.needs[1] ? sumTo(mul(g, a), b.shape) : null],
    HIGHER_ORDER,
  );
}

export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('div', a, b);
  return attach(
    out,
    'div',
    [a, b],
    (g, ctx) => [
      ctx.needs[0] ? sumTo(div(g, b), a.shape) : null,
      // d(a/b)/db = -a/b² = -out/b
      ctx.needs[1] ? sumTo(neg(div(mul(g, out), b)), b.shape) : null,
    ],
    HIGHER_ORDER,
  );
}

export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('maximum', a, b);
  return attach(
    out,
    'maximum',
    [a, b],
    (g, ctx) => {
      // The mask is constant almost everywhere: no gradient of its own.
      const takeA = binaryRaw('greaterEqual', a, b);
      return [ctx.needs[0] ? sumTo(mul(g, takeA), a.shape) : null, ctx.needs[1] ? sumTo(sub(g, mul(g, takeA)), b.shape) : null];
    },
    HIGHER_ORDER,
  );
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw('minimum', a, b);
  return attach(
    out,
    'minimum',
    [a, b],
    (g, ctx) => {
      const takeA = binaryRaw('less', a, b);
      return [ctx.needs[0] ? sumTo(mul(g, takeA), a.shape) : null, ctx.needs[1] ? sumTo(sub(g, mul(g, takeA)), b.shape) : null];
    },
    HIGHER_ORDER,
  );
}

/** Comparisons give 1.0 / 0.0 and carry no gradient. */
export const greater = (a: Tensor, b: Tensor) => binaryRaw('greater', a, b);
export const greaterEqual = (a: Tensor, b: Tensor) => binaryRaw('greaterEqual', a, b);
export const less = (a: Tensor, b: Tensor) => binaryRaw('less', a, b);
export const equal = (a: Tensor, b: Tensor) => binaryRaw('equal', a, b);

/** a + (b − a)·t, with broadcasting (t may be a one-element tensor). */
export function lerp(a: Tensor, b: Tensor, t: Tensor): Tensor {
  return add(a, mul(sub(b, a), t));
}

/** cond ? a : b, elementwise (cond is 1.0 / 0.0, no gradient). */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return add(b, mul(cond, sub(a, b)));
}

/** The tensor's float type; anything else (or a disposed tensor) throws naming the op. */
function checkFloat(op: string, t: Tensor): Float {
  if (t.dtype !== 'f32' && t.dtype !== 'f16') throw new Error(`${op}: expected an f32 or f16 tensor, got ${t.dtype} ${formatShape(t.shape)}`);
  t.assertLive(op);
  return t.dtype;
}

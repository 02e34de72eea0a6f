/**
 * Batched matrix multiply with an epilogue: C = alpha · op(A) · op(B) + beta · bias[n].
 *
 *   A: [...batch, M, K] (or [..., K, M] with transA), B: [..., K, N] (or [..., N, K] with transB).
 *   Batch dims are flattened; either side may have batch 1 (broadcast).
 *
 * Three kernel shapes, chosen per adapter (see `matmulVariant`):
 *  - `shuffle`: for CPU implementations with subgroups (lavapipe: 8 lanes, one AVX vector). Each
 *    thread keeps an 8×4 block of C in registers, and the 8 lanes of a subgroup share the same 8
 *    rows of A: lane l loads row l and the others read it with `subgroupShuffle`. lavapipe
 *    compiles every lane's memory access separately (a load costs ~8× a register op), so one A
 *    load per lane instead of eight makes this ~2× `regblock` there (apps/bench, BENCHMARKS.md).
 *    Unlike modulatedConv2d's window, a wider block saves nothing here: 8 columns per lane measured
 *    slower (1024³: 122–128 → 126–146 ms).
 *  - `regblock`: the same 8×4 register block without subgroups; no workgroup memory, no
 *    barriers. On CPU implementations barriers are expensive and caches do the tiling: this is
 *    ~3× the textbook kernel there.
 *  - `tiled`: 64×64 tiles staged through workgroup memory, 4×4 per thread — what real GPUs want.
 * Both read out-of-range rows/columns through clamped indices and mask at the store, so edges
 * cost no branches in the inner loop.
 */
import { attach } from '../grad-node.js';
import { kernel, type Kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { sum, sumTo } from './broadcast.js';
import { reshape } from './shape.js';
import { mulScalar } from './elementwise.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** Scales the product (StyleGAN's equalised-lr weight gain folds in here). */
  alpha?: number;
  /** Added per output column, times `beta`. Shape [N]. */
  bias?: Tensor;
  beta?: number;
}

export type MatmulVariant = 'shuffle' | 'regblock' | 'tiled';

/** The kernel shape for this adapter; `rt.variants.matmul` overrides (benchmarks use it). */
export function matmulVariant(rt: Runtime): MatmulVariant {
  const auto = !rt.isSoftware ? 'tiled' : rt.subgroupMinSize >= SHUFFLE_LANES ? 'shuffle' : 'regblock';
  return rt.variant<MatmulVariant>('matmul', ['shuffle', 'regblock', 'tiled'], auto, { shuffle: SHUFFLE_LANES });
}

interface Spec {
  variant: MatmulVariant;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  /** K % 4 == 0 and !transA: A rows can be read as vec4. */
  vecA: boolean;
  /** N % 4 == 0 and !transB: B rows can be read as vec4. */
  vecB: boolean;
  /** `shuffle` only: K % 4 == 0 and transB — B is read as vec4 along k (linear layers' [out, in] weights). */
  vecBT: boolean;
  /** f16 operands, bias and result; the sums stay f32 (loads widen, the store rounds once). */
  half: boolean;
}

/** A loaded scalar (or vec4) widened to f32 when the operands are f16. */
const widen = (s: Spec, e: string, vec = false) => (s.half ? `${vec ? 'vec4f' : 'f32'}(${e})` : e);

const U = uniformStruct({ M: 'u32', N: 'u32', K: 'u32', aBatch: 'u32', bBatch: 'u32', alpha: 'f32', beta: 'f32' });
const TM = 8; // regblock and shuffle rows per thread
/** Lanes that share A rows in `shuffle` (one row each); the subgroup may be larger. */
const SHUFFLE_LANES = 8;
const SHUFFLE_WG = 32;

function specKey(s: Spec): string {
  return `${s.variant}:${+s.transA}${+s.transB}${+s.bias}${+s.vecA}${+s.vecB}${+s.vecBT}${s.half ? ':f16' : ''}`;
}

function header(s: Spec): string {
  const t = s.half ? 'f16' : 'f32';
  const lines = [
    `@group(0) @binding(0) var<storage, read> A: array<${s.vecA ? `vec4<${t}>` : t}>;`,
    `@group(0) @binding(1) var<storage, read> B: array<${s.vecB || s.vecBT ? `vec4<${t}>` : t}>;`,
  ];
  let b = 2;
  if (s.bias) lines.push(`@group(0) @binding(${b++}) var<storage, read> bias: array<${t}>;`);
  lines.push(`@group(0) @binding(${b++}) var<storage, read_write> C: array<${t}>;`);
  lines.push(`struct Uniforms { ${U.wgsl} };`, `@group(0) @binding(${b}) var<uniform> u: Uniforms;`);
  return lines.join('\n');
}

function epilogue(s: Spec, value: string, col: string): string {
  const v = s.bias ? `u.alpha * ${value} + u.beta * ${widen(s, `bias[${col}]`)}` : `u.alpha * ${value}`;
  return s.half ? `f16(${v})` : v;
}

/** Scalar element reads with clamped indices (callers pass clamped row/col). */
function readA(s: Spec, r: string, k: string): string {
  return widen(s, s.transA ? `A[aBase + ${k} * u.M + ${r}]` : `A[aBase + ${r} * u.K + ${k}]`);
}
function readB(s: Spec, k: string, c: string): string {
  return widen(s, s.transB ? `B[bBase + ${c} * u.K + ${k}]` : `B[bBase + ${k} * u.N + ${c}]`);
}

function regblockWgsl(s: Spec): string {
  const rows = [...Array(TM).keys()];
  const decl = rows.map((i) => `  var acc${i} = vec4f(0.0);\n  let r${i} = min(row0 + ${i}u, u.M - 1u);`).join('\n');
  // One k step: a B vec4, then one FMA per row.
  const bvec = (k: string) =>
    s.vecB
      ? widen(s, `B[(bBase + ${k} * u.N) / 4u + col0 / 4u]`, true)
      : `vec4f(${[0, 1, 2, 3].map((j) => readB(s, k, `c${j}`)).join(', ')})`;
  let loop: string;
  if (s.vecA) {
    const loads = rows.map((i) => `    let a${i} = ${widen(s, `A[(aBase + r${i} * u.K + k) / 4u]`, true)};`).join('\n');
    const steps = [0, 1, 2, 3]
      .map((kk) => `    { let b = ${bvec(`(k + ${kk}u)`)};\n${rows.map((i) => `      acc${i} = fma(vec4f(a${i}[${kk}]), b, acc${i});`).join('\n')}\n    }`)
      .join('\n');
    loop = `  for (var k = 0u; k < u.K; k += 4u) {\n${loads}\n${steps}\n  }`;
  } else {
    loop = `  for (var k = 0u; k < u.K; k++) {\n    let b = ${bvec('k')};\n${rows
      .map((i) => `    acc${i} = fma(vec4f(${readA(s, `r${i}`, 'k')}), b, acc${i});`)
      .join('\n')}\n  }`;
  }
  const store = rows
    .map(
      (i) =>
        `  if (row0 + ${i}u < u.M) {\n${[0, 1, 2, 3]
          .map((j) => `    if (col0 + ${j}u < u.N) { C[cBase + (row0 + ${i}u) * u.N + col0 + ${j}u] = ${epilogue(s, `acc${i}[${j}]`, `col0 + ${j}u`)}; }`)
          .join('\n')}\n  }`,
    )
    .join('\n');
  return `${header(s)}
@compute @workgroup_size(16, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let col0 = gid.x * 4u;
  let row0 = gid.y * ${TM}u;
  if (col0 >= u.N || row0 >= u.M) { return; }
  let aBase = gid.z * u.aBatch;
  let bBase = gid.z * u.bBatch;
  let cBase = gid.z * u.M * u.N;
${[0, 1, 2, 3].map((j) => `  let c${j} = min(col0 + ${j}u, u.N - 1u);`).join('\n')}
${decl}
${loop}
${store}
}`;
}

function shuffleWgsl(s: Spec): string {
  const rows = [...Array(TM).keys()];
  const kk4 = [0, 1, 2, 3];
  // No early return: every lane must reach the shuffles (out-of-range rows and columns read
  // clamped addresses and are masked at the store).
  const aLoad = s.vecA
    ? `    let av = ${widen(s, `A[(aBase + myRow * u.K + k) / 4u]`, true)};`
    : `    let av = vec4f(${kk4.map((kk) => readA(s, 'myRow', `(k + ${kk}u)`)).join(', ')});`;
  const bRead = (kk: number) =>
    s.vecB
      ? widen(s, `B[(bBase + (k + ${kk}u) * u.N) / 4u + colV]`, true)
      : s.vecBT
        ? `vec4f(bt0[${kk}], bt1[${kk}], bt2[${kk}], bt3[${kk}])`
        : `vec4f(${[0, 1, 2, 3].map((j) => readB(s, `(k + ${kk}u)`, `c${j}`)).join(', ')})`;
  // K % 4 leftovers, one k at a time (never with vec4 reads of A or Bᵀ: those need K % 4 == 0).
  const tail =
    s.vecA || s.vecBT
      ? ''
      : `  for (var k = K4; k < u.K; k++) {
    let a = ${readA(s, 'myRow', 'k')};
    let b = ${bRead(0).replace(/\(k \+ 0u\)/g, 'k')};
${rows.map((i) => `    acc${i} = fma(vec4f(subgroupShuffle(a, ${i}u)), b, acc${i});`).join('\n')}
  }`;
  // Transposed B as vec4 along k: four columns' next 4 k, loaded once per k step.
  const btLoad = s.vecBT ? [0, 1, 2, 3].map((j) => `    let bt${j} = ${widen(s, `B[(bBase + c${j} * u.K + k) / 4u]`, true)};`).join('\n') : '';
  // A full step of 4 k when K allows it, then a scalar tail (K % 4 != 0 only without vecA).
  const step4 = kk4
    .map(
      (kk) => `    {
      let b = ${bRead(kk)};
${rows.map((i) => `      acc${i} = fma(vec4f(subgroupShuffle(av[${kk}], ${i}u)), b, acc${i});`).join('\n')}
    }`,
    )
    .join('\n');
  const store = rows
    .map(
      (i) =>
        `  if (row0 + ${i}u < u.M) {
${[0, 1, 2, 3]
          .map((j) => `    if (col0 + ${j}u < u.N) { C[cBase + (row0 + ${i}u) * u.N + col0 + ${j}u] = ${epilogue(s, `acc${i}[${j}]`, `col0 + ${j}u`)}; }`)
          .join('\n')}
  }`,
    )
    .join('\n');
  return `enable subgroups;
${header(s)}
@compute @workgroup_size(${SHUFFLE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  let col0 = gid.x * 4u;
  let row0 = wid.y * ${TM}u;
  let aBase = gid.z * u.aBatch;
  let bBase = gid.z * u.bBatch;
  let cBase = gid.z * u.M * u.N;
  let myRow = min(row0 + lane % ${SHUFFLE_LANES}u, u.M - 1u);
${s.vecB ? '  let colV = min(col0, u.N - 4u) / 4u;' : [0, 1, 2, 3].map((j) => `  let c${j} = min(col0 + ${j}u, u.N - 1u);`).join('\n')}
${rows.map((i) => `  var acc${i} = vec4f(0.0);`).join('\n')}
  let K4 = u.K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
${aLoad}
${btLoad}
${step4}
  }
${tail}
${store}
}`;
}

function tiledWgsl(s: Spec): string {
  // 64×64 output tile per 16×16 workgroup, 4×4 per thread, K in steps of 16 through workgroup memory.
  const ra = (r: string, k: string) => (s.vecA ? widen(s, `A[(aBase + ${r} * u.K + ${k}) / 4u][(${k}) % 4u]`) : readA(s, r, k));
  const rb = (k: string, c: string) => (s.vecB ? widen(s, `B[(bBase + ${k} * u.N + ${c}) / 4u][(${c}) % 4u]`) : readB(s, k, c));
  return `${header(s)}
var<workgroup> As: array<f32, 1024>; // [16 k][64 rows]
var<workgroup> Bs: array<f32, 1024>; // [16 k][64 cols]
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let tileRow = wid.y * 64u;
  let tileCol = wid.x * 64u;
  let aBase = wid.z * u.aBatch;
  let bBase = wid.z * u.bBatch;
  let cBase = wid.z * u.M * u.N;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < u.K; k0 += 16u) {
    for (var e = li; e < 1024u; e += 256u) {
      let kk = e / 64u; let rc = e % 64u;
      let k = min(k0 + kk, u.K - 1u);
      let kOk = k0 + kk < u.K;
      As[e] = select(0.0, ${ra('min(tileRow + rc, u.M - 1u)', 'k')}, kOk);
      Bs[e] = select(0.0, ${rb('k', 'min(tileCol + rc, u.N - 1u)')}, kOk);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>; var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[kk * 64u + lid.y * 4u + i]; b[i] = Bs[kk * 64u + lid.x * 4u + i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = tileRow + lid.y * 4u + i;
    if (r >= u.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = tileCol + lid.x * 4u + j;
      if (c < u.N) { C[cBase + r * u.N + c] = ${epilogue(s, 'acc[i][j]', 'c')}; }
    }
  }
}`;
}

/** The key names every field of the spec; the runtime compiles each key once. */
function matmulKernel(s: Spec): Kernel {
  return kernel('matmul', specKey(s), () => (s.variant === 'shuffle' ? shuffleWgsl(s) : s.variant === 'regblock' ? regblockWgsl(s) : tiledWgsl(s)), s.half);
}

interface Dims {
  batch: number;
  batchShape: number[];
  M: number;
  N: number;
  K: number;
  aBatch: number;
  bBatch: number;
}

function dims(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Dims {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: operands must have rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const M = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const Ka = transA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const Kb = transB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  const N = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const shapes = `${formatShape(a.shape)}${transA ? 'ᵀ' : ''} × ${formatShape(b.shape)}${transB ? 'ᵀ' : ''}`;
  if (Ka !== Kb) throw new Error(`matmul: inner dimensions differ in ${shapes} (${Ka} vs ${Kb})`);
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const na = ba.reduce((x, y) => x * y, 1);
  const nb = bb.reduce((x, y) => x * y, 1);
  let batchShape: number[];
  if (na === nb && (ba.length === bb.length ? ba.every((d, i) => d === bb[i]) : na === 1)) batchShape = ba.length >= bb.length ? ba : bb;
  else if (na === 1) batchShape = bb;
  else if (nb === 1) batchShape = ba;
  else throw new Error(`matmul: batch dimensions of ${shapes} do not broadcast (one side must be 1 or both equal)`);
  return { batch: Math.max(na, nb), batchShape: [...batchShape], M, N, K: Ka, aBatch: na === 1 ? 0 : M * Ka, bBatch: nb === 1 ? 0 : Ka * N };
}

/** The forward dispatch alone (no gradient recorded). */
export function matmulRaw(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, alpha = 1, bias, beta = 1 } = opts;
  const operands = [a, b, ...(bias ? [bias] : [])];
  for (const t of operands) {
    if (t.dtype !== 'f32' && t.dtype !== 'f16') throw new Error(`matmul: expected f32 or f16 tensors, got ${t.dtype} ${formatShape(t.shape)}`);
    a.rt.checkOwn('matmul', t);
  }
  if (operands.some((t) => t.dtype !== a.dtype)) {
    throw new Error(`matmul: dtypes differ: ${operands.map((t) => `${t.dtype} ${formatShape(t.shape)}`).join(', ')}; cast first`);
  }
  const d = dims(a, b, transA, transB);
  if (bias && bias.size !== d.N) throw new Error(`matmul: bias of shape ${formatShape(bias.shape)} for ${d.N} output columns`);
  const rt = a.rt;
  const out = rt.empty([...d.batchShape, d.M, d.N], a.dtype, 'matmul');
  if (d.batch > rt.gpu.limits.maxComputeWorkgroupsPerDimension) throw new Error(`matmul: batch ${d.batch} is over the adapter's grid limit`);
  const spec: Spec = {
    variant: matmulVariant(rt),
    transA,
    transB,
    bias: !!bias,
    vecA: !transA && d.K % 4 === 0,
    vecB: !transB && d.N % 4 === 0,
    vecBT: false,
    half: a.dtype === 'f16',
  };
  spec.vecBT = spec.variant === 'shuffle' && transB && d.K % 4 === 0;
  const grid: [number, number, number] =
    spec.variant === 'shuffle'
      ? [Math.ceil(d.N / (4 * SHUFFLE_WG)), Math.ceil(d.M / TM), d.batch]
      : spec.variant === 'regblock'
        ? [Math.ceil(d.N / 64), Math.ceil(d.M / (8 * TM)), d.batch]
        : [Math.ceil(d.N / 64), Math.ceil(d.M / 64), d.batch];
  if (d.K === 0) throw new Error(`matmul: inner dimension is 0 in ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  rt.dispatch(matmulKernel(spec), {
    read: bias ? [a, b, bias] : [a, b],
    write: [out],
    uniforms: U.pack({ M: d.M, N: d.N, K: d.K, aBatch: d.aBatch, bBatch: d.bBatch, alpha, beta }),
    workgroups: grid,
  });
  return out;
}

/** alpha · op(A) · op(B) (+ beta · bias), differentiable in A, B and bias. */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, alpha = 1, bias, beta = 1 } = opts;
  const out = matmulRaw(a, b, opts);
  const inputs = bias ? [a, b, bias] : [a, b];
  return attach(
    out,
    'matmul',
    inputs,
    (g, ctx) => {
      // dL/d op(A) = alpha · G · op(B)ᵀ, dL/d op(B) = alpha · op(A)ᵀ · G; transposed back where stored transposed.
      // Matmuls again (recorded only under createGraph), so this has a double backward.
      const da = !ctx.needs[0]
        ? null
        : sumTo(transA ? matmul(b, g, { transA: transB, transB: true, alpha }) : matmul(g, b, { transB: !transB, alpha }), a.shape);
      const db = !ctx.needs[1]
        ? null
        : sumTo(transB ? matmul(g, a, { transA: true, transB: transA, alpha }) : matmul(a, g, { transA: !transA, alpha }), b.shape);
      const dbias = bias && ctx.needs[2] ? mulScalar(reshape(sum(g, [...Array(g.rank - 1).keys()]), bias.shape), beta) : null;
      return bias ? [da, db, dbias] : [da, db];
    },
    { higherOrder: true },
  );
}

export interface LinearOptions {
  /** StyleGAN's learning-rate multiplier: weight gain lrMul/√in, bias gain lrMul. Default 1. */
  lrMul?: number;
  /** Overrides the weight gain (default lrMul/√in for `equalized`, else 1). */
  weightGain?: number;
  /** StyleGAN's equalised learning rate: scale the weight by 1/√in at run time. */
  equalized?: boolean;
}

/**
 * y = x · (gain·W)ᵀ + lrMul · b, for W of shape [out, in] as PyTorch stores it.
 * With `equalized` this is StyleGAN2's FullyConnectedLayer (before its activation).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, opts: LinearOptions = {}): Tensor {
  const inFeatures = weight.shape[1];
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${formatShape(weight.shape)}`);
  if (x.shape[x.rank - 1] !== inFeatures) throw new Error(`linear: input ${formatShape(x.shape)} does not end in ${inFeatures} features`);
  const lrMul = opts.lrMul ?? 1;
  const gain = opts.weightGain ?? (opts.equalized ? lrMul / Math.sqrt(inFeatures) : 1);
  const flat = x.rank === 2 ? x : reshape(x, [-1, inFeatures]);
  const y = matmul(flat, weight, { transB: true, alpha: gain, bias, beta: lrMul });
  return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), weight.shape[0]]);
}

/** FLOPs of a matmul, for benchmarks. */
export function matmulFlops(M: number, N: number, K: number, batch = 1): number {
  return 2 * M * N * K * batch;
}


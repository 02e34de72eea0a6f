/**
 * Kernel-level suite: single ops at the sizes the models use, each variant separately.
 *
 *  - matmul n×n×n, every kernel variant (`rt.variants.matmul`); forward+backward at one size.
 *  - elementwise add, against a plain copyBufferToBuffer moving the same bytes (target: within 2×)
 *    and against a compute-kernel copy of those bytes (the floor for any kernel on the adapter).
 *  - reductions: whole-tensor sum, per-row (last axis) and per-column (first axis).
 *  - ops other engineers are landing (upfirdn2d, biasAct, conv2d, modulatedConv2d, attention,
 *    layerNorm): listed as skipped until `typeof K.<op> === 'function'`, then benchmarked
 *    (kernels-clip.ts, kernels-stylegan.ts).
 * Browser sizes are smaller: in-browser WebGPU here is SwiftShader, ~10× slower than lavapipe.
 */
import * as K from '@stylegpu/kernels';
import { matmulRaw } from '@stylegpu/kernels/internals';
import { clipCases } from './kernels-clip.js';
import { convPeerWork, styleganCases } from './kernels-stylegan.js';
import { kernelsFunction } from './op-case.js';
import { compareSamples, randomData, sampleIndices } from './reference.js';
import type { BenchCase, CaseInstance, PeerWork, RuntimeName, Suite } from './types.js';

const SUITE = 'kernels';
const SAMPLES = 64;
/** f32 vs f64 per sample, relative to Σ|terms| (rounding grows ~√K; 1e-5 leaves headroom at K=2048). */
const REL_TOL = 1e-5;

/**
 * One n³ matmul with a given kernel shape. `f16` uploads f16 operands (rounded to nearest) and
 * keeps an f16 result: the check uses the rounded operands and allows the result's one f16
 * rounding (2⁻¹¹ of it).
 */
function matmulCase(n: number, variant: string, dtype: 'f32' | 'f16' = 'f32'): BenchCase {
  const bpe = dtype === 'f16' ? 2 : 4;
  return {
    suite: SUITE,
    // f16 is its own group: its variants compare with each other, not with f32 peers.
    group: `matmul ${n}${dtype === 'f16' ? ' f16' : ''}`,
    name: `matmul ${n} ${variant}${dtype === 'f16' ? ' f16' : ''}`,
    variant,
    params: { op: 'matmul', M: n, N: n, K: n, dtype },
    flops: 2 * n * n * n,
    bytes: 3 * n * n * bpe,
    setup({ rt }) {
      if (dtype === 'f16' && !rt.hasF16) throw new Error('matmul f16: this adapter has no shader-f16');
      const a = rt.keep(rt.tensor(randomData(n * n, 1), [n, n], dtype));
      const b = rt.keep(rt.tensor(randomData(n * n, 2), [n, n], dtype));
      let out: K.Tensor | null = null;
      const run = () => {
        out?.dispose();
        out = rt.keep(rt.noGrad(() => matmulRaw(a, b)));
      };
      return {
        run,
        async check() {
          // The operands as stored (f16-rounded for f16).
          const [aData, bData] = [(await a.read()) as Float32Array, (await b.read()) as Float32Array];
          const c = (await out!.read()) as Float32Array;
          return compareSamples(c, sampleIndices(n * n, SAMPLES), (i) => dot(aData, bData, Math.floor(i / n), i % n, n), dtype === 'f16' ? 2 ** -11 + REL_TOL : REL_TOL);
        },
        dispose() {
          out?.dispose();
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/** Row r of A (n×n) · column c of B (n×n), in float64, with Σ|terms| as the error scale. */
function dot(a: Float32Array, b: Float32Array, r: number, c: number, n: number, bTransposed = false): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (let k = 0; k < n; k++) {
    const t = a[r * n + k] * (bTransposed ? b[c * n + k] : b[k * n + c]);
    value += t;
    scale += Math.abs(t);
  }
  return { value, scale };
}

/** Forward and backward of C = A·B with a given dL/dC: three matmuls and the graph bookkeeping. */
function matmulBackwardCase(n: number): BenchCase {
  return {
    suite: SUITE,
    group: `matmul fwd+bwd ${n}`,
    name: `matmul fwd+bwd ${n}`,
    params: { op: 'matmul', M: n, N: n, K: n },
    flops: 3 * 2 * n * n * n,
    bytes: 3 * 3 * n * n * 4,
    setup({ rt }) {
      const bData = randomData(n * n, 4);
      const gData = randomData(n * n, 5);
      const a = rt.parameter(randomData(n * n, 3), [n, n], 'A');
      const b = rt.parameter(bData, [n, n], 'B');
      const g = rt.keep(rt.tensor(gData, [n, n]));
      const run = () => {
        K.zeroGrad([a, b]);
        rt.tidy(() => K.backward(K.matmul(a, b), g));
      };
      return {
        run,
        async check() {
          // dL/dA = G · Bᵀ
          const da = (await a.grad!.read()) as Float32Array;
          return compareSamples(da, sampleIndices(n * n, SAMPLES), (i) => dot(gData, bData, Math.floor(i / n), i % n, n, true), REL_TOL);
        },
        dispose() {
          K.zeroGrad([a, b]);
          a.dispose();
          b.dispose();
          g.dispose();
        },
      };
    },
  };
}

function addCase(n: number): BenchCase {
  return {
    suite: SUITE,
    group: `add ${n}`,
    name: `add ${n}`,
    params: { op: 'add', elements: n },
    flops: n,
    bytes: 3 * n * 4,
    setup({ rt }) {
      const xData = randomData(n, 6);
      const yData = randomData(n, 7);
      const x = rt.keep(rt.tensor(xData, [n]));
      const y = rt.keep(rt.tensor(yData, [n]));
      let out: K.Tensor | null = null;
      const run = () => {
        out?.dispose();
        out = rt.keep(rt.noGrad(() => K.add(x, y)));
      };
      return {
        run,
        async check() {
          const z = (await out!.read()) as Float32Array;
          // One f32 rounding of an exact sum.
          return compareSamples(z, sampleIndices(n, 256), (i) => ({ value: xData[i] + yData[i], scale: Math.abs(xData[i]) + Math.abs(yData[i]) }), 1e-7);
        },
        dispose() {
          out?.dispose();
          x.dispose();
          y.dispose();
        },
      };
    },
  };
}

/** Copies the same 12·n bytes an `add` of n elements moves; `run` does the copy from src to dst. */
function copyBench(n: number, name: string, op: string, copy: (rt: K.Runtime, src: K.Tensor, dst: K.Tensor, elements: number) => void, wallOnly: boolean): BenchCase {
  const elements = (3 * n) / 2;
  return {
    suite: SUITE,
    group: `add ${n}`,
    name: `${name} ${elements} (${op === 'copyKernel' ? 'WGSL, ' : ''}same bytes as add ${n})`,
    params: { op, elements },
    flops: 0,
    bytes: 2 * elements * 4,
    ...(wallOnly ? { wallOnly: true } : {}),
    setup({ rt }) {
      const srcData = randomData(elements, 8);
      const src = rt.keep(rt.tensor(srcData, [elements]));
      const dst = rt.keep(rt.empty([elements]));
      return {
        run: () => copy(rt, src, dst, elements),
        async check() {
          const d = (await dst.read()) as Float32Array;
          return compareSamples(d, sampleIndices(elements, 256), (i) => ({ value: srcData[i], scale: 1 }), 0);
        },
        dispose() {
          src.dispose();
          dst.dispose();
        },
      };
    },
  };
}

/** The bandwidth yardstick for `add`: one copyBufferToBuffer (a memcpy on CPU adapters). */
const copyCase = (n: number) => copyBench(n, 'copy', 'copyBufferToBuffer', (rt, src, dst) => rt.copy(src, dst), true);

/**
 * The same bytes moved by a compute kernel shaped like the elementwise ops (4 vec4s per
 * invocation, strided): the floor for any bandwidth-bound kernel on this adapter. On lavapipe it
 * is several times a copyBufferToBuffer, because every lane's load and store is compiled separately.
 */
const COPY_U = K.uniformStruct({ n: 'u32' });
const copyKernel = K.kernel('benchCopy', 'vec4', () => `
${K.bindings([['src', 'vec4f']], [['dst', 'vec4f']], COPY_U.wgsl)}
${K.flatMain(256, '  let total = nwg.x * nwg.y * 256u;\n  for (var i = idx; i < u.n; i += total) { dst[i] = src[i]; }')}`);
const copyKernelCase = (n: number) =>
  copyBench(n, 'copy kernel', 'copyKernel', (rt, src, dst, elements) => rt.dispatch(copyKernel, { read: [src], write: [dst], uniforms: COPY_U.pack({ n: elements / 4 }), workgroups: Math.ceil(elements / 16 / 256) }), false);

type ReduceKind = 'all' | 'rows' | 'cols';

function sumCase(kind: ReduceKind, rows: number, cols: number): BenchCase {
  const n = rows * cols;
  const label = kind === 'all' ? `sum all ${n}` : kind === 'rows' ? `sum rows [${rows},${cols}] axis 1` : `sum cols [${rows},${cols}] axis 0`;
  const outCount = kind === 'all' ? 1 : kind === 'rows' ? rows : cols;
  return {
    suite: SUITE,
    group: label,
    name: label,
    params: { op: 'sum', rows, cols, kind },
    flops: n,
    bytes: (n + outCount) * 4,
    setup({ rt }) {
      const xData = randomData(n, 9);
      const x = rt.keep(rt.tensor(xData, [rows, cols]));
      let out: K.Tensor | null = null;
      const run = () => {
        out?.dispose();
        out = rt.keep(rt.noGrad(() => (kind === 'all' ? K.sum(x) : K.sum(x, kind === 'rows' ? 1 : 0))));
      };
      return {
        run,
        async check() {
          const s = (await out!.read()) as Float32Array;
          return compareSamples(
            s,
            sampleIndices(outCount, SAMPLES),
            (i) => {
              let value = 0;
              let scale = 0;
              const count = kind === 'all' ? n : kind === 'rows' ? cols : rows;
              for (let j = 0; j < count; j++) {
                const v = kind === 'all' ? xData[j] : kind === 'rows' ? xData[i * cols + j] : xData[j * cols + i];
                value += v;
                scale += Math.abs(v);
              }
              return { value, scale };
            },
            REL_TOL,
          );
        },
        dispose() {
          out?.dispose();
          x.dispose();
        },
      };
    },
  };
}

/** Ops other engineers are adding; each is benchmarked once it is exported. */
const PENDING_OPS = ['upfirdn2d', 'biasAct', 'conv2d', 'modulatedConv2d', 'scaledDotProductAttention', 'layerNorm'] as const;

export function hasOp(name: string): boolean {
  return typeof kernelsFunction(name) === 'function';
}

function sizes(runtime: RuntimeName, quick: boolean) {
  if (runtime === 'browser') {
    return quick ? { matmul: [256], matmulBwd: [128], add: 1 << 18, reduce: [256, 1024] as const } : { matmul: [256, 512], matmulBwd: [256], add: 1 << 20, reduce: [1024, 1024] as const };
  }
  return quick
    ? { matmul: [512, 1024], matmulBwd: [512], add: 1 << 20, reduce: [1024, 1024] as const }
    : { matmul: [512, 1024, 2048], matmulBwd: [1024], add: 1 << 22, reduce: [4096, 1024] as const };
}

export const kernelsSuite: Suite = {
  name: SUITE,
  description: 'single kernels: matmul (each variant), forward+backward, elementwise add vs a buffer copy, reductions',
  cases(runtime, quick) {
    const s = sizes(runtime, quick);
    const cases: BenchCase[] = [];
    for (const n of s.matmul) for (const v of ['shuffle', 'regblock', 'tiled']) cases.push(matmulCase(n, v));
    // f16 operands and result at 1024 (Node; Chromium's SwiftShader has no shader-f16).
    if (runtime === 'node') for (const v of ['shuffle', 'regblock', 'tiled']) cases.push(matmulCase(1024, v, 'f16'));
    for (const n of s.matmulBwd) cases.push(matmulBackwardCase(n));
    cases.push(addCase(s.add), copyCase(s.add), copyKernelCase(s.add));
    const [r, c] = s.reduce;
    cases.push(sumCase('all', r, c), sumCase('rows', r, c), sumCase('cols', c, r));
    const stylegan = styleganCases(runtime, quick, hasOp);
    cases.push(...stylegan.cases, ...clipCases(runtime, quick, hasOp));
    const skipped = [...PENDING_OPS.filter((op) => !hasOp(op)).map((op) => `${op}: not in @stylegpu/kernels yet`), ...stylegan.skipped];
    return { cases, skipped };
  },
  peerWork(quick) {
    const work: PeerWork[] = sizes('node', quick).matmul.map((n) => ({ group: `matmul ${n}`, kind: 'matmul' as const, M: n, N: n, K: n }));
    return [...work, ...convPeerWork(quick)];
  },
};

export type { CaseInstance };

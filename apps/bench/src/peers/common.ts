/**
 * Shared by the peers (tfjs-webgpu, onnxruntime-node, PyTorch): the same inputs as the kernels
 * suite (seeded), the same sampled float64 check before timing, the same repeat/median method.
 */
import type { CaseResult } from '../harness.js';
import { summarize } from '../stats.js';
import { compareSamples, conv2dAt, randomData, sampleIndices } from '../suites/reference.js';
import type { CheckResult, PeerWork } from '../suites/types.js';

export const REL_TOL = 1e-5;

export interface PeerInputs {
  /** Row-major A [M,K] and B [K,N], or NCHW input and OIHW weight. */
  a: Float32Array;
  b: Float32Array;
  outCount: number;
  flops: number;
  bytes: number;
  params: Record<string, number | string>;
}

export function peerInputs(w: PeerWork): PeerInputs {
  if (w.kind === 'matmul') {
    return {
      a: randomData(w.M * w.K, 1),
      b: randomData(w.K * w.N, 2),
      outCount: w.M * w.N,
      flops: 2 * w.M * w.N * w.K,
      bytes: 4 * (w.M * w.K + w.K * w.N + w.M * w.N),
      params: { op: 'matmul', M: w.M, N: w.N, K: w.K },
    };
  }
  const Ho = w.H + 2 * w.pad - w.k + 1;
  const Wo = w.W + 2 * w.pad - w.k + 1;
  return {
    a: randomData(w.N * w.C * w.H * w.W, 11),
    b: randomData(w.O * w.C * w.k * w.k, 12),
    outCount: w.N * w.O * Ho * Wo,
    flops: 2 * w.N * w.O * Ho * Wo * w.C * w.k * w.k,
    bytes: 4 * (w.N * w.C * w.H * w.W + w.O * w.C * w.k * w.k + w.N * w.O * Ho * Wo),
    params: { op: 'conv2d', N: w.N, C: w.C, H: w.H, W: w.W, O: w.O, k: w.k, pad: w.pad },
  };
}

/** Checks a peer's output (row-major [M,N], or NCHW) at 64 samples against float64. */
export function checkPeer(w: PeerWork, inp: PeerInputs, out: ArrayLike<number>): CheckResult {
  const idx = sampleIndices(inp.outCount, 64);
  if (w.kind === 'matmul') {
    return compareSamples(
      out,
      idx,
      (i) => {
        const r = Math.floor(i / w.N);
        const c = i % w.N;
        let value = 0;
        let scale = 0;
        for (let k = 0; k < w.K; k++) {
          const t = inp.a[r * w.K + k] * inp.b[k * w.N + c];
          value += t;
          scale += Math.abs(t);
        }
        return { value, scale };
      },
      REL_TOL,
    );
  }
  return compareSamples(out, idx, (i) => conv2dAt(inp.a, inp.b, w, i), REL_TOL);
}

export interface PeerTimingOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

/**
 * Times an async, self-synchronising run like the harness does: first run (compile), check,
 * one warm-up, then repeats of `iters` runs; median/min/max/IQR of the per-run wall time.
 */
export async function timePeer(
  runtime: string,
  w: PeerWork,
  inp: PeerInputs,
  run: () => Promise<void>,
  readOut: () => Promise<ArrayLike<number>>,
  opts: PeerTimingOptions,
): Promise<CaseResult> {
  const base: CaseResult = { suite: 'kernels', group: w.group, name: `${w.group} (${runtime})`, runtime, params: inp.params, flops: inp.flops, bytes: inp.bytes, check: null };
  const timeOnce = async () => {
    const t0 = performance.now();
    await run();
    return performance.now() - t0;
  };
  try {
    base.firstMs = await timeOnce();
    base.check = checkPeer(w, inp, await readOut());
    if (!base.check.ok) {
      base.error = `check failed: max |err| ${base.check.maxAbsErr.toExponential(2)} > ${base.check.tolerance.toExponential(2)}`;
      return base;
    }
    const steady = base.firstMs > 1500 ? base.firstMs : await timeOnce();
    const repeatMs = opts.quick ? 60 : 150;
    const iters = Math.max(1, Math.min(200, Math.round(repeatMs / Math.max(steady, 1e-3))));
    const n = steady > 7500 ? 2 : steady > 1500 ? 3 : opts.quick ? 3 : 7;
    const wall: number[] = [];
    for (let r = 0; r < n; r++) {
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) await run();
      wall.push((performance.now() - t0) / iters);
    }
    const wallMs = summarize(wall);
    Object.assign(base, { iters, wallMs, gpuMs: null, gflops: inp.flops / (wallMs.median * 1e6), gbps: inp.bytes / (wallMs.median * 1e6) });
    opts.log?.(`  ${base.name}: ${wallMs.median.toFixed(3)} ms, ${base.gflops!.toFixed(2)} GFLOP/s`);
  } catch (err) {
    base.error = (err as Error).message;
    opts.log?.(`  ${base.name}: error: ${base.error}`);
  }
  return base;
}

/** NCHW → NHWC and OIHW → HWIO, for libraries that want channels last (tfjs). */
export function toChannelsLast(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) out[((n * H + y) * W + xx) * C + c] = x[((n * C + c) * H + y) * W + xx];
  return out;
}

export function oihwToHwio(w: Float32Array, O: number, I: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[((y * k + x) * I + i) * O + o] = w[((o * I + i) * k + y) * k + x];
  return out;
}

/** NHWC → NCHW, to check channels-last outputs with the NCHW reference. */
export function toChannelsFirst(x: ArrayLike<number>, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) out[((n * C + c) * H + y) * W + xx] = x[((n * H + y) * W + xx) * C + c];
  return out;
}

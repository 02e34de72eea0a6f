/**
 * Kernel cases at CLIP ViT-B/32 shapes: attention over B·12 heads, T = 50 tokens, d = 64
 * (each variant: the fused row-per-invocation kernel and the composed matmul/softmax/matmul),
 * forward and forward+backward; layerNorm over width 768.
 */
import type * as K from '@stylegpu/kernels';
import { op, opCase } from './op-case.js';
import type { BenchCase, RuntimeName } from './types.js';

const SUITE = 'kernels';
const HEADS = 12;
const T = 50;
const D = 64;
const WIDTH = 768;

type Sdpa = (q: K.Tensor, k: K.Tensor, v: K.Tensor, opts?: { causal?: boolean; scale?: number }) => K.Tensor;
type LayerNorm = (x: K.Tensor, w?: K.Tensor | null, b?: K.Tensor | null, opts?: { eps?: number }) => K.Tensor;

/** Softmax row i of q·kᵀ/√d for one head, in float64: returns the probabilities. */
function attentionRow(q: Float32Array, k: Float32Array, head: number, i: number): Float64Array {
  const base = head * T * D;
  const p = new Float64Array(T);
  let m = -Infinity;
  for (let j = 0; j < T; j++) {
    let s = 0;
    for (let c = 0; c < D; c++) s += q[base + i * D + c] * k[base + j * D + c];
    p[j] = s / Math.sqrt(D);
    m = Math.max(m, p[j]);
  }
  let z = 0;
  for (let j = 0; j < T; j++) z += p[j] = Math.exp(p[j] - m);
  for (let j = 0; j < T; j++) p[j] /= z;
  return p;
}

function attentionCase(B: number, variant: string, withBackward: boolean): BenchCase {
  const shape = [B, HEADS, T, D];
  const n = B * HEADS * T * D;
  const fwdFlops = B * HEADS * (4 * T * T * D + 5 * T * T);
  return opCase({
    suite: SUITE,
    group: `attention${withBackward ? ' fwd+bwd' : ''} B=${B}×${HEADS}h T=${T} d=${D}`,
    name: `attention${withBackward ? ' fwd+bwd' : ''} B=${B} ${variant}`,
    op: 'attention',
    variant,
    params: { B, heads: HEADS, T, d: D },
    // Backward by composition: recompute scores + softmax (≈ forward) and four more T×T×d matmuls.
    flops: withBackward ? 3 * fwdFlops : fwdFlops,
    bytes: (withBackward ? 7 : 4) * n * 4,
    inputs: [
      { shape, seed: 21 },
      { shape, seed: 22 },
      { shape, seed: 23 },
    ],
    forward: ([q, k, v]) => op<Sdpa>('scaledDotProductAttention')(q, k, v),
    ...(withBackward ? { backward: { input: 2, gradSeed: 24 } } : {}),
    reference: (idx, [q, k, v], g) => {
      const c = idx % D;
      const i = Math.floor(idx / D) % T;
      const head = Math.floor(idx / (D * T));
      if (!withBackward) {
        const p = attentionRow(q, k, head, i);
        let value = 0;
        let scale = 0;
        for (let j = 0; j < T; j++) {
          const t = p[j] * v[head * T * D + j * D + c];
          value += t;
          scale += Math.abs(t);
        }
        return { value, scale };
      }
      // dL/dv[j=i, c] = Σ_r P[r, i] · g[r, c]
      let value = 0;
      let scale = 0;
      for (let r = 0; r < T; r++) {
        const t = attentionRow(q, k, head, r)[i] * g![head * T * D + r * D + c];
        value += t;
        scale += Math.abs(t);
      }
      return { value, scale };
    },
    samples: withBackward ? 24 : 64,
  });
}

function layerNormCase(rows: number, variant: string): BenchCase {
  return opCase({
    suite: SUITE,
    group: `layerNorm [${rows}, ${WIDTH}]`,
    name: `layerNorm [${rows}, ${WIDTH}] ${variant}`,
    op: 'layerNorm',
    variant,
    params: { rows, D: WIDTH },
    flops: 8 * rows * WIDTH,
    bytes: (2 * rows * WIDTH + 2 * WIDTH) * 4,
    inputs: [
      { shape: [rows, WIDTH], seed: 31, scale: 2, offset: 0.5 },
      { shape: [WIDTH], seed: 32 },
      { shape: [WIDTH], seed: 33 },
    ],
    forward: ([x, w, b]) => op<LayerNorm>('layerNorm')(x, w, b),
    reference: (idx, [x, w, b]) => {
      const r = Math.floor(idx / WIDTH);
      const c = idx % WIDTH;
      let mean = 0;
      for (let j = 0; j < WIDTH; j++) mean += x[r * WIDTH + j];
      mean /= WIDTH;
      let v = 0;
      for (let j = 0; j < WIDTH; j++) v += (x[r * WIDTH + j] - mean) ** 2;
      v /= WIDTH;
      const xhat = (x[r * WIDTH + c] - mean) / Math.sqrt(v + 1e-5);
      // Error scale: the normalised value's magnitude times the weight, plus the bias.
      return { value: xhat * w[c] + b[c], scale: Math.abs(xhat * w[c]) + Math.abs(b[c]) + 1e-3 };
    },
  });
}

export function clipCases(runtime: RuntimeName, quick: boolean, has: (name: string) => boolean): BenchCase[] {
  const cases: BenchCase[] = [];
  if (has('scaledDotProductAttention')) {
    const batches = runtime === 'browser' || quick ? [1] : [1, 8];
    for (const B of batches) for (const v of ['fused', 'composed']) cases.push(attentionCase(B, v, false));
    cases.push(attentionCase(1, 'fused', true));
  }
  if (has('layerNorm')) {
    const rows = runtime === 'browser' || quick ? T : 8 * T;
    for (const v of ['thread', 'workgroup']) cases.push(layerNormCase(rows, v));
  }
  return cases;
}

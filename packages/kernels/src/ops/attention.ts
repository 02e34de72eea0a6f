/**
 * `scaledDotProductAttention(q, k, v, {causal, scale})` as `torch.nn.functional.
 * scaled_dot_product_attention` (no dropout, no explicit mask):
 *
 *   out = softmax(scale · q kᵀ + M) v,   scale = 1/√d by default,
 *   M[i, j] = −∞ where j > i if causal (`torch.ones(L, S).tril()` aligned top-left), else 0.
 *
 * q: [..., Tq, d], k: [..., Tk, d], v: [..., Tk, dv] with equal leading dims ([B, heads, T, d] in
 * CLIP: T = 50 / 77 / 257). CLIP's `nn.MultiheadAttention` is this plus in/out projections,
 * which the model composes with `linear`.
 *
 * Two ways to run it (`rt.variants.attention` overrides):
 *  - `fused` (Tk ≤ 256): one invocation per query row computes its scores into a private array,
 *    the softmax and the weighted sum of v in one dispatch — no [Tq, Tk] tensor in memory, no
 *    barriers. The default on real GPUs for Tk ≤ 256.
 *  - `composed` (any Tk): matmul → causal mask → softmax → matmul. The default on CPU adapters:
 *    on lavapipe the register-blocked matmul beat the fused kernel at CLIP shapes (ViT-B/32
 *    [1, 12, 50, 64]: ~2–5 ms vs ~6–10 ms; [1, 12, 197, 64]: ~25–35 vs ~50–85 ms; text
 *    [8, 8, 77, 64] causal: about even), because each SIMD lane of the fused kernel gathers its
 *    own q row and scores. An online-softmax fused variant (no score array) was slower still.
 *
 * Backward (both): recompute P = softmax(S) with the composed path, then
 *   dv = Pᵀ g,  dP = g vᵀ,  dS = P ⊙ (dP − Σ_j dP⊙P),  dq = scale · dS k,  dk = scale · dSᵀ q.
 * Masked entries have P = 0, so dS is 0 there without a second mask.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { matmulRaw } from './matmul.js';
import { reshape } from './shape.js';
import { softmaxBackwardRaw, softmaxRaw } from './softmax.js';

export interface AttentionOptions {
  /** Mask keys after the query's own position (text transformers). */
  causal?: boolean;
  /** Score scale; default 1/√d. */
  scale?: number;
}
export type AttentionVariant = 'fused' | 'composed';

/** Longest key sequence the fused kernel holds in its private score array. */
export const FUSED_ATTENTION_MAX_KEYS = 256;
const WG = 64;
const NEG_MAX = '-3.402823e38';

export function attentionVariant(rt: Runtime, Tk: number): AttentionVariant {
  const forced = rt.variants.attention;
  if (forced === 'fused' || forced === 'composed') return forced;
  return !rt.isSoftware && Tk <= FUSED_ATTENTION_MAX_KEYS ? 'fused' : 'composed';
}

// -------------------------------------------------------------------------------- WGSL

const FUSED_U = uniformStruct({ rows: 'u32', Tq: 'u32', Tk: 'u32', dq: 'u32', dv: 'u32', causal: 'u32', scale: 'f32' });
const MASK_U = uniformStruct({ n: 'u32', Tq: 'u32', Tk: 'u32' });

/** `vec`: d and dv are multiples of 4, so q, k and v rows are read as vec4. */
const fusedKernels = {
  vec4: kernel('attention', 'fused:vec4', () => fusedWgsl(true)),
  scalar: kernel('attention', 'fused:scalar', () => fusedWgsl(false)),
};

function fusedWgsl(vec: boolean): string {
  const T = vec ? 'vec4f' : 'f32';
  // Offsets below are in elements of T (d4 = d / 4 for vec4).
  const dot = vec
    ? `var s = 0.0;
    for (var c = 0u; c < dq; c++) { s += dot(Q[qBase + c], K[kBase + j * dq + c]); }`
    : `var s = 0.0;
    for (var c = 0u; c < dq; c++) { s = fma(Q[qBase + c], K[kBase + j * dq + c], s); }`;
  const zero = vec ? 'vec4f(0.0)' : '0.0';
  return `
${bindings([['Q', T], ['K', T], ['V', T]], [['O', T]], FUSED_U.wgsl)}
${flatMain(WG, `  let row = idx;
  if (row >= u.rows) { return; }
  let dq = u.dq; let dv = u.dv;
  let batch = row / u.Tq;
  let i = row % u.Tq;
  let qBase = row * dq;
  let kBase = batch * u.Tk * dq;
  let vBase = batch * u.Tk * dv;
  let oBase = row * dv;
  let nKeys = select(u.Tk, min(i + 1u, u.Tk), u.causal != 0u);
  var p: array<f32, ${FUSED_ATTENTION_MAX_KEYS}>;
  var m = ${NEG_MAX};
  for (var j = 0u; j < nKeys; j++) {
    ${dot}
    s *= u.scale;
    p[j] = s;
    m = max(m, s);
  }
  var l = 0.0;
  for (var j = 0u; j < nKeys; j++) { let e = exp(p[j] - m); p[j] = e; l += e; }
  let inv = 1.0 / l;
  for (var c = 0u; c < dv; c++) {
    var acc = ${zero};
    for (var j = 0u; j < nKeys; j++) { acc = fma(${vec ? 'vec4f(p[j])' : 'p[j]'}, V[vBase + j * dv + c], acc); }
    O[oBase + c] = acc * inv;
  }`)}`;
}

/** Sets S[b, i, j] to −max-float for j > i, in place. */
const causalMaskKernel = kernel('attention', 'causalMask', () => `
${bindings([], [['S', 'f32']], MASK_U.wgsl)}
${flatMain(256, `  if (idx >= u.n) { return; }
  let j = idx % u.Tk;
  let i = (idx / u.Tk) % u.Tq;
  if (j > i) { S[idx] = ${NEG_MAX}; }`)}`);

// -------------------------------------------------------------------------------- launch

interface Dims {
  lead: number[];
  batch: number;
  Tq: number;
  Tk: number;
  d: number;
  dv: number;
}

function dims(q: Tensor, k: Tensor, v: Tensor): Dims {
  const shapes = `q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`;
  for (const t of [q, k, v]) {
    if (t.dtype !== 'f32') throw new Error(`scaledDotProductAttention: expected f32 tensors, got ${t.dtype} (${shapes})`);
    t.assertLive('scaledDotProductAttention');
  }
  if (q.rank < 2 || k.rank !== q.rank || v.rank !== q.rank) {
    throw new Error(`scaledDotProductAttention: q, k, v must have the same rank ≥ 2 (${shapes})`);
  }
  const r = q.rank;
  const lead = q.shape.slice(0, r - 2);
  if (lead.some((n, i) => k.shape[i] !== n || v.shape[i] !== n)) {
    throw new Error(`scaledDotProductAttention: leading (batch, head) dimensions differ (${shapes})`);
  }
  const [Tq, d] = q.shape.slice(r - 2);
  const [Tk, dk] = k.shape.slice(r - 2);
  const [Tv, dv] = v.shape.slice(r - 2);
  if (dk !== d) throw new Error(`scaledDotProductAttention: q and k feature sizes differ (${shapes})`);
  if (Tv !== Tk) throw new Error(`scaledDotProductAttention: k and v sequence lengths differ (${shapes})`);
  if (d === 0 || Tk === 0) throw new Error(`scaledDotProductAttention: empty feature or key dimension (${shapes})`);
  return { lead, batch: lead.reduce((a, b) => a * b, 1), Tq, Tk, d, dv };
}

/** P = softmax(scale·q kᵀ + mask) as [batch, Tq, Tk], no gradient recorded. */
function attentionProbs(q3: Tensor, k3: Tensor, D: Dims, causal: boolean, scale: number): Tensor {
  const rt = q3.rt;
  const s = matmulRaw(q3, k3, { transB: true, alpha: scale });
  if (causal) rt.dispatch(causalMaskKernel, { write: [s], uniforms: MASK_U.pack({ n: s.size, Tq: D.Tq, Tk: D.Tk }), workgroups: Math.ceil(s.size / 256) });
  const p = softmaxRaw(s, -1);
  s.dispose();
  return p;
}

/** softmax(scale · q kᵀ (+ causal mask)) v over the last two dims, as F.scaled_dot_product_attention. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const D = dims(q, k, v);
  const causal = opts.causal ?? false;
  const scale = opts.scale ?? 1 / Math.sqrt(D.d);
  if (!Number.isFinite(scale)) throw new Error(`scaledDotProductAttention: scale must be finite, got ${opts.scale}`);
  const rt = q.rt;
  const variant = attentionVariant(rt, D.Tk);
  if (variant === 'fused' && D.Tk > FUSED_ATTENTION_MAX_KEYS) {
    throw new Error(`scaledDotProductAttention: the fused kernel holds at most ${FUSED_ATTENTION_MAX_KEYS} keys, got ${D.Tk} (k ${formatShape(k.shape)})`);
  }
  const outShape = [...D.lead, D.Tq, D.dv];
  const out = rt.noGrad(() => {
    if (variant === 'fused') {
      const o = rt.empty(outShape, 'f32', 'scaledDotProductAttention');
      const vec = D.d % 4 === 0 && D.dv % 4 === 0;
      const rows = D.batch * D.Tq;
      rt.dispatch(vec ? fusedKernels.vec4 : fusedKernels.scalar, {
        read: [q, k, v],
        write: [o],
        uniforms: FUSED_U.pack({ rows, Tq: D.Tq, Tk: D.Tk, dq: vec ? D.d / 4 : D.d, dv: vec ? D.dv / 4 : D.dv, causal: causal ? 1 : 0, scale }),
        workgroups: Math.ceil(rows / WG),
      });
      return o;
    }
    const [q3, k3, v3] = [reshape(q, [D.batch, D.Tq, D.d]), reshape(k, [D.batch, D.Tk, D.d]), reshape(v, [D.batch, D.Tk, D.dv])];
    const p = attentionProbs(q3, k3, D, causal, scale);
    const o = matmulRaw(p, v3);
    const shaped = reshape(o, outShape);
    for (const t of [p, o, q3, k3, v3]) t.dispose();
    return shaped;
  });
  return attach(out, 'scaledDotProductAttention', [q, k, v], (g) => {
    const [qq, kk, vv, g3] = [reshape(q, [D.batch, D.Tq, D.d]), reshape(k, [D.batch, D.Tk, D.d]), reshape(v, [D.batch, D.Tk, D.dv]), reshape(g, [D.batch, D.Tq, D.dv])];
    const p = attentionProbs(qq, kk, D, causal, scale);
    const dv = v.requiresGrad ? matmulRaw(p, g3, { transA: true }) : null;
    let dq: Tensor | null = null;
    let dk: Tensor | null = null;
    if (q.requiresGrad || k.requiresGrad) {
      const dp = matmulRaw(g3, vv, { transB: true });
      const ds = softmaxBackwardRaw(p, dp, -1);
      dp.dispose();
      if (q.requiresGrad) dq = matmulRaw(ds, kk, { alpha: scale });
      if (k.requiresGrad) dk = matmulRaw(ds, qq, { transA: true, alpha: scale });
      ds.dispose();
    }
    for (const t of [p, qq, kk, vv, g3]) t.dispose();
    return [dq, dk, dv];
  });
}

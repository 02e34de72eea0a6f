/**
 * One pre-LayerNorm transformer block, as OpenAI CLIP's `ResidualAttentionBlock` (clip/model.py):
 *
 *   x = x + out_proj(MHA(ln_1(x)))           MHA = nn.MultiheadAttention(d, heads), packed in_proj
 *   x = x + c_proj(act(c_fc(ln_2(x))))       act = QuickGELU x·σ(1.702x) (OpenAI), or erf GELU
 *
 * The vision tower runs it without a mask, the text tower with the causal mask (CLIP's `attn_mask`,
 * −inf above the diagonal: `scaledDotProductAttention`'s `causal`). Tensors are batch-first
 * [N, L, d] here; OpenAI's LND layout inside the transformer is a permutation that changes nothing.
 *
 * Multi-head attention follows torch's `F.multi_head_attention_forward`: one projection by the
 * packed `in_proj_weight` [3d, d] (rows q, then k, then v) and `in_proj_bias`, split into heads of
 * d/heads, softmax(q kᵀ / √(d/heads)) v per head, heads concatenated, then `out_proj`.
 */
import {
  add,
  biasAct,
  layerNorm,
  linear,
  permute,
  reshape,
  scaledDotProductAttention,
  slice,
  type Tensor,
} from '@stylegpu/kernels';
import type { ClipTowerConfig } from '../checkpoint/index.js';

/** The twelve weights of one block, under OpenAI's names (after `resblocks.{i}.`). */
export interface ResidualAttentionBlockWeights {
  ln1Weight: Tensor;
  ln1Bias: Tensor;
  /** [3d, d]: q, k and v projections stacked. */
  inProjWeight: Tensor;
  inProjBias: Tensor;
  outProjWeight: Tensor;
  outProjBias: Tensor;
  ln2Weight: Tensor;
  ln2Bias: Tensor;
  /** [mlp, d] */
  fcWeight: Tensor;
  fcBias: Tensor;
  /** [d, mlp] */
  projWeight: Tensor;
  projBias: Tensor;
}

const PARTS: ReadonlyArray<readonly [keyof ResidualAttentionBlockWeights, string]> = [
  ['ln1Weight', 'ln_1.weight'],
  ['ln1Bias', 'ln_1.bias'],
  ['inProjWeight', 'attn.in_proj_weight'],
  ['inProjBias', 'attn.in_proj_bias'],
  ['outProjWeight', 'attn.out_proj.weight'],
  ['outProjBias', 'attn.out_proj.bias'],
  ['ln2Weight', 'ln_2.weight'],
  ['ln2Bias', 'ln_2.bias'],
  ['fcWeight', 'mlp.c_fc.weight'],
  ['fcBias', 'mlp.c_fc.bias'],
  ['projWeight', 'mlp.c_proj.weight'],
  ['projBias', 'mlp.c_proj.bias'],
];

/** Picks block `prefix` (e.g. `visual.transformer.resblocks.3.`) out of a name → tensor map. */
export function blockWeights(weights: ReadonlyMap<string, Tensor>, prefix: string): ResidualAttentionBlockWeights {
  const out = {} as ResidualAttentionBlockWeights;
  for (const [field, name] of PARTS) {
    const t = weights.get(prefix + name);
    if (!t) throw new Error(`ClipModel: missing weight '${prefix}${name}'`);
    out[field] = t;
  }
  return out;
}

/** Multi-head self-attention of h [N, L, d] with packed q/k/v projections, as nn.MultiheadAttention. */
export function multiHeadSelfAttention(h: Tensor, w: ResidualAttentionBlockWeights, heads: number, causal: boolean): Tensor {
  const [N, L, d] = h.shape;
  const headDim = d / heads;
  // [N, L, 3d] → [N, L, 3, heads, hd] → [3, N, heads, L, hd]: q, k, v each contiguous for the kernel.
  const qkv = permute(reshape(linear(h, w.inProjWeight, w.inProjBias), [N, L, 3, heads, headDim]), [2, 0, 3, 1, 4]);
  const part = (i: number) => reshape(slice(qkv, [[i, i + 1]]), [N, heads, L, headDim]);
  const o = scaledDotProductAttention(part(0), part(1), part(2), { causal });
  const merged = reshape(permute(o, [0, 2, 1, 3]), [N, L, d]);
  return linear(merged, w.outProjWeight, w.outProjBias);
}

/** x [N, L, d] → the block's output [N, L, d]. */
export function residualAttentionBlock(x: Tensor, w: ResidualAttentionBlockWeights, tower: ClipTowerConfig, causal: boolean): Tensor {
  const eps = tower.layerNormEps;
  const attended = add(x, multiHeadSelfAttention(layerNorm(x, w.ln1Weight, w.ln1Bias, { eps }), w, tower.heads, causal));
  // c_fc's bias rides in biasAct with the activation: one pass over the [N, L, 4d] hidden layer.
  const hidden = biasAct(linear(layerNorm(attended, w.ln2Weight, w.ln2Bias, { eps }), w.fcWeight), w.fcBias, {
    dim: 2,
    act: tower.activation === 'gelu' ? 'gelu' : 'quickGelu',
  });
  return add(attended, linear(hidden, w.projWeight, w.projBias));
}

/**
 * CLIP's text tower, OpenAI's `CLIP.encode_text` (clip/model.py):
 *
 *   x = token_embedding(tokens) + positional_embedding          [N, context, width]
 *   x = resblocks(x)                 every block causal (attn_mask: −inf above the diagonal)
 *   features = ln_final(x)[n, argmax(tokens[n])] @ text_projection       [N, embed]
 *
 * The feature row is the end-of-text token, found as the largest id (OpenAI's rule; `argmax`
 * returns the first maximum). With tokens given as an Int32Array the argmax runs on the CPU and the
 * rows are gathered by index (an `embedding` lookup into x seen as [N·context, width]); ln_final
 * is per row, so it runs after the gather on N rows instead of N·context.
 *
 * Tokens already on the GPU (an i32 tensor) cannot be read back inside a compute path; there the
 * selection is built on the GPU from existing ops: ids become f32 through a lookup in the table
 * [0, 1, …, V−1] (exact below 2²⁴), each position scores id·context + (context − 1 − position),
 * whose unique row maximum is the first maximum of the ids, and the one-hot row that matches it
 * picks the feature row with a batched matmul (exact: one product by 1, the rest by 0).
 */
import {
  add,
  embedding,
  equal,
  formatShape,
  layerNorm,
  matmul,
  max,
  reshape,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';
import type { ClipTextConfig } from '../checkpoint/index.js';
import { blockWeights, residualAttentionBlock, type ResidualAttentionBlockWeights } from './residual-attention-block.js';

export class TextTransformer {
  private readonly blocks: ResidualAttentionBlockWeights[];
  private readonly tokenEmbedding: Tensor;
  private readonly positionalEmbedding: Tensor;
  private readonly lnFinal: readonly [Tensor, Tensor];
  private readonly projection: Tensor;
  /** Lazily made helpers of the GPU-token path: [V, 1] ids as floats, [context] position scores. */
  private idValues: Tensor | null = null;
  private positionScores: Tensor | null = null;

  constructor(
    readonly config: ClipTextConfig,
    weights: ReadonlyMap<string, Tensor>,
  ) {
    const get = (name: string): Tensor => {
      const t = weights.get(name);
      if (!t) throw new Error(`ClipModel: missing weight '${name}'`);
      return t;
    };
    this.tokenEmbedding = get('token_embedding.weight');
    this.positionalEmbedding = get('positional_embedding');
    this.lnFinal = [get('ln_final.weight'), get('ln_final.bias')];
    this.projection = get('text_projection');
    this.blocks = Array.from({ length: config.layers }, (_, i) => blockWeights(weights, `transformer.resblocks.${i}.`));
  }

  private get rt(): Runtime {
    return this.tokenEmbedding.rt;
  }

  /** Checks CPU token ids (shape and range) and returns the batch size. */
  checkTokens(tokens: Int32Array): number {
    const { contextLength: L, vocabSize: V } = this.config;
    if (tokens.length === 0 || tokens.length % L !== 0) {
      throw new Error(`ClipModel.encodeText: ${tokens.length} token ids do not make rows of the context length ${L} (expected [N, ${L}])`);
    }
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i];
      if (id < 0 || id >= V) {
        throw new Error(
          `ClipModel.encodeText: token id ${id} at [${Math.floor(i / L)}, ${i % L}] is outside the model's vocabulary of ${V}; ` +
            'was the text tokenised with a different vocabulary than the model was trained with?',
        );
      }
    }
    return tokens.length / L;
  }

  /** tokens [N, context] (ids) → text features [N, embed] (not normalised). */
  forward(tokens: Int32Array | Tensor): Tensor {
    const rt = this.rt;
    const { contextLength: L, layerNormEps: eps } = this.config;
    let ids: Tensor;
    let N: number;
    if (tokens instanceof Int32Array) {
      N = this.checkTokens(tokens);
      ids = rt.tensor(tokens, [N, L], 'i32');
    } else {
      if (tokens.dtype !== 'i32' || tokens.rank !== 2 || tokens.shape[1] !== L || tokens.shape[0] < 1) {
        throw new Error(`ClipModel.encodeText: tokens ${tokens.dtype} ${formatShape(tokens.shape)}: expected i32 [N, ${L}]`);
      }
      tokens.assertLive('ClipModel.encodeText');
      ids = tokens;
      N = tokens.shape[0];
    }
    let x = add(embedding(ids, this.tokenEmbedding), this.positionalEmbedding);
    for (const block of this.blocks) x = residualAttentionBlock(x, block, this.config, true);
    const rows = tokens instanceof Int32Array ? this.gatherByIndex(x, tokens, N) : this.gatherOnGpu(x, ids, N);
    return matmul(layerNorm(rows, this.lnFinal[0], this.lnFinal[1], { eps }), this.projection);
  }

  /** x[n, argmax(tokens[n])] for CPU tokens, as [N, width]. */
  private gatherByIndex(x: Tensor, tokens: Int32Array, N: number): Tensor {
    const L = this.config.contextLength;
    const flat = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      let best = 0;
      for (let i = 1; i < L; i++) if (tokens[n * L + i] > tokens[n * L + best]) best = i;
      flat[n] = n * L + best;
    }
    return embedding(this.rt.tensor(flat, [N], 'i32'), reshape(x, [N * L, this.config.width]));
  }

  /** The same selection for ids on the GPU, without a readback (see the file's comment). */
  private gatherOnGpu(x: Tensor, ids: Tensor, N: number): Tensor {
    const rt = this.rt;
    const { contextLength: L, vocabSize: V, width } = this.config;
    if (V * L + L > 2 ** 24) throw new Error(`ClipModel.encodeText: vocabulary ${V} × context ${L} is too large to select the end-of-text row on the GPU; pass the ids as an Int32Array`);
    this.idValues ??= rt.keep(rt.tensor(Float32Array.from({ length: V }, (_, v) => v * L), [V, 1]));
    this.positionScores ??= rt.keep(rt.tensor(Float32Array.from({ length: L }, (_, i) => L - 1 - i), [L]));
    const scores = add(reshape(embedding(ids, this.idValues), [N, L]), this.positionScores);
    const oneHot = equal(scores, max(scores, 1, true));
    return reshape(matmul(reshape(oneHot, [N, 1, L]), x), [N, width]);
  }

  dispose(): void {
    this.idValues?.dispose();
    this.positionScores?.dispose();
    this.idValues = this.positionScores = null;
  }
}

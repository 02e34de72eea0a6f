/**
 * CLIP's image tower, OpenAI's `VisionTransformer.forward` (clip/model.py):
 *
 *   patches = conv1(pixels)               Conv2d(3 → width, kernel = stride = patch, no bias)
 *   x = [class_embedding; patches] + positional_embedding      [N, grid² + 1, width]
 *   x = resblocks(ln_pre(x))
 *   features = ln_post(x[:, 0]) @ proj                          [N, embed]
 *
 * The patch convolution has stride = kernel and no padding, so every output touches a disjoint
 * p×p window: it is exactly a permutation of the pixels into rows of 3·p·p (one strided gather,
 * channel-major within a row to match the conv weight's [width, 3, p, p] layout) followed by one
 * matmul against the weight seen as [width, 3·p·p]. That reuses the tuned matmul in both kernel
 * variants and its backward (the gather's adjoint is a scatter) instead of a general conv.
 */
import { concat, expand, layerNorm, matmul, permute, reshape, slice, add, formatShape, type Tensor } from '@stylegpu/kernels';
import type { ClipVisionConfig } from '../checkpoint/index.js';
import { blockWeights, residualAttentionBlock, type ResidualAttentionBlockWeights } from './residual-attention-block.js';

export class VisionTransformer {
  private readonly blocks: ResidualAttentionBlockWeights[];
  /** conv1's weight [width, 3, p, p]; seen as [width, 3·p·p] per forward (see there). */
  private readonly conv1Weight: Tensor;
  private readonly classEmbedding: Tensor;
  private readonly positionalEmbedding: Tensor;
  private readonly lnPre: readonly [Tensor, Tensor];
  private readonly lnPost: readonly [Tensor, Tensor];
  private readonly proj: Tensor;

  constructor(
    readonly config: ClipVisionConfig,
    weights: ReadonlyMap<string, Tensor>,
  ) {
    const get = (name: string): Tensor => {
      const t = weights.get(name);
      if (!t) throw new Error(`ClipModel: missing weight '${name}'`);
      return t;
    };
    this.conv1Weight = get('visual.conv1.weight');
    this.classEmbedding = get('visual.class_embedding');
    this.positionalEmbedding = get('visual.positional_embedding');
    this.lnPre = [get('visual.ln_pre.weight'), get('visual.ln_pre.bias')];
    this.lnPost = [get('visual.ln_post.weight'), get('visual.ln_post.bias')];
    this.proj = get('visual.proj');
    this.blocks = Array.from({ length: config.layers }, (_, i) => blockWeights(weights, `visual.transformer.resblocks.${i}.`));
  }

  /** Throws unless `pixels` is an f32 [N, 3, R, R] batch at this model's resolution. */
  checkPixels(pixels: Tensor): void {
    const R = this.config.imageSize;
    const [N, C, H, W] = pixels.shape;
    if (pixels.dtype !== 'f32' || pixels.rank !== 4 || N < 1 || C !== 3 || H !== R || W !== R) {
      const why = pixels.rank === 4 && C !== 3 ? `${C} channels, expected 3 (RGB)` : `expected f32 [N, 3, ${R}, ${R}]`;
      throw new Error(
        `ClipModel.encodeImage: pixels ${pixels.dtype} ${formatShape(pixels.shape)}: ${why}; ` +
          `resize and normalise images first (preprocessImage / preprocessGenerated with size ${R})`,
      );
    }
  }

  /** pixels [N, 3, R, R], already preprocessed → image features [N, embed] (not normalised). */
  forward(pixels: Tensor): Tensor {
    this.checkPixels(pixels);
    const { width, patchSize: p, imageSize: R, layerNormEps: eps } = this.config;
    const N = pixels.shape[0];
    const grid = R / p;
    // [N, 3, g, p, g, p] → [N, g, g, 3, p, p]: row (gy, gx) holds its window in conv-weight order.
    const windows = permute(reshape(pixels, [N, 3, grid, p, grid, p]), [0, 2, 4, 1, 3, 5]);
    // The [width, 3·p·p] view is made here, not once at construction, so that when conv1's weight
    // requires grad the reshape is recorded and its gradient reaches the weight itself.
    const patchWeight = reshape(this.conv1Weight, [width, 3 * p * p]);
    const patches = matmul(reshape(windows, [N * grid * grid, 3 * p * p]), patchWeight, { transB: true });
    const cls = expand(reshape(this.classEmbedding, [1, 1, width]), [N, 1, width]);
    const tokens = add(concat([cls, reshape(patches, [N, grid * grid, width])], 1), this.positionalEmbedding);
    let x = layerNorm(tokens, this.lnPre[0], this.lnPre[1], { eps });
    for (const block of this.blocks) x = residualAttentionBlock(x, block, this.config, false);
    const head = reshape(slice(x, [null, [0, 1]]), [N, width]);
    return matmul(layerNorm(head, this.lnPost[0], this.lnPost[1], { eps }), this.proj);
  }

  /** Nothing of its own to release: the checkpoint tensors belong to the model. */
  dispose(): void {}
}

/**
 * `ClipModel`: OpenAI CLIP (ViT image tower + causal text transformer) on the GPU, with the
 * semantics of clip/model.py `CLIP.encode_image`, `encode_text` and `forward`'s logits.
 *
 * Weights come from the checkpoint loader (OpenAI names, f32 HostTensors) and are frozen: CLIP is
 * a fixed critic in StyleGAN-NADA, so no gradient is recorded for them, while gradients still flow
 * through the image tower to the input pixels. `parameters()` hands them out for anyone who wants
 * to unfreeze some (set `requiresGrad`).
 *
 * Scopes: without gradients each encode call tidies its own temporaries and returns only the
 * features. When a gradient will be taken (recording on, and the pixels or any weight require
 * grad), the graph's intermediates must outlive the call, so they stay in the caller's scope:
 * wrap the whole step (forward, loss, backward) in `rt.tidy`.
 */
import { toFloat32, type HostTensor } from '@stylegpu/io';
import { fromHost, formatShape, l2Normalize, matmul, type Runtime, type Tensor } from '@stylegpu/kernels';
import { checkClipConfig, checkClipWeights, type ClipConfig } from '../checkpoint/index.js';
import { TextTransformer } from './text-transformer.js';
import { VisionTransformer } from './vision-transformer.js';

export class ClipModel {
  readonly visual: VisionTransformer;
  readonly text: TextTransformer;
  /** exp(logit_scale), read once at load (the scale is frozen with the rest). */
  readonly logitScale: number;
  private disposed = false;

  private constructor(
    readonly rt: Runtime,
    readonly config: ClipConfig,
    private readonly weights: ReadonlyMap<string, Tensor>,
    logitScale: number,
  ) {
    this.visual = new VisionTransformer(config.vision, weights);
    this.text = new TextTransformer(config.text, weights);
    this.logitScale = Math.exp(logitScale);
  }

  /**
   * Uploads a checkpoint (`loadClipCheckpoint(...)` → `{ config, weights }`) to the GPU. Every
   * weight the config implies must be present with its shape; nothing is uploaded otherwise.
   */
  static fromWeights(rt: Runtime, config: ClipConfig, weights: ReadonlyMap<string, HostTensor>): ClipModel {
    checkClipConfig(config, 'ClipModel.fromWeights');
    checkClipWeights(weights, config, 'ClipModel.fromWeights');
    const gpu = new Map<string, Tensor>();
    let logitScale = 0;
    try {
      for (const [name, h] of weights) {
        if (name === 'logit_scale') {
          // A scalar the logits multiply by on the CPU side of the launch (matmul's alpha).
          logitScale = toFloat32(h)[0];
          continue;
        }
        const t = rt.keep(fromHost(rt, h, { name }));
        t.requiresGrad = false;
        gpu.set(name, t);
      }
      return new ClipModel(rt, config, gpu, logitScale);
    } catch (e) {
      for (const t of gpu.values()) t.dispose();
      throw e;
    }
  }

  /** The uploaded weights (OpenAI names), frozen unless you set `requiresGrad`. */
  parameters(): Map<string, Tensor> {
    this.checkAlive('parameters');
    return new Map(this.weights);
  }

  /** Throws unless `tokenizer` produces ids this model's token embedding has rows for (same vocabulary size). */
  checkTokenizer(tokenizer: { readonly vocabularySize: number }): void {
    const V = this.config.text.vocabSize;
    if (tokenizer.vocabularySize !== V) {
      throw new Error(
        `ClipModel: the tokenizer has a vocabulary of ${tokenizer.vocabularySize} tokens but the model's token embedding has ${V} rows; ` +
          'use the tokenizer the model was trained with',
      );
    }
  }

  /** Preprocessed pixels [N, 3, R, R] → image features [N, embed], not normalised (as `encode_image`). */
  encodeImage(pixels: Tensor): Tensor {
    this.checkAlive('encodeImage');
    this.visual.checkPixels(pixels);
    return this.run(pixels.requiresGrad, () => this.visual.forward(pixels));
  }

  /** Token ids [N, context] (an Int32Array from `ClipTokenizer.tokenize`, or an i32 tensor) → text features [N, embed]. */
  encodeText(tokens: Int32Array | Tensor): Tensor {
    this.checkAlive('encodeText');
    return this.run(false, () => this.text.forward(tokens));
  }

  /** logits_per_image [N_img, N_text] = exp(logit_scale) · cos(image_i, text_j), as CLIP's forward. */
  logits(imageFeatures: Tensor, textFeatures: Tensor): Tensor {
    this.checkAlive('logits');
    const E = this.config.embedDim;
    for (const [what, t] of [['image', imageFeatures], ['text', textFeatures]] as const) {
      if (t.dtype !== 'f32' || t.rank !== 2 || t.shape[1] !== E) {
        throw new Error(`ClipModel.logits: ${what} features ${t.dtype} ${formatShape(t.shape)}: expected f32 [N, ${E}]`);
      }
    }
    return this.run(imageFeatures.requiresGrad || textFeatures.requiresGrad, () =>
      matmul(l2Normalize(imageFeatures), l2Normalize(textFeatures), { transB: true, alpha: this.logitScale }),
    );
  }

  /** Releases every GPU tensor of the model. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.visual.dispose();
    this.text.dispose();
    for (const t of this.weights.values()) t.dispose();
  }

  /** Runs a forward in its own scope unless a gradient will need its intermediates. */
  private run(inputNeedsGrad: boolean, fn: () => Tensor): Tensor {
    const recording = this.rt.gradEnabled && (inputNeedsGrad || [...this.weights.values()].some((t) => t.requiresGrad));
    return recording ? fn() : this.rt.tidy(fn);
  }

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`ClipModel.${op}: the model was disposed`);
  }
}

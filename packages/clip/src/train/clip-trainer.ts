/**
 * `ClipTrainer`: contrastive training of a (small) CLIP from scratch on image–caption pairs, with
 * the model classes the checkpoint loaders use (`ClipModel`), so a trained model saves as a
 * stylegpu CLIP checkpoint and loads back through `readClipCheckpoint` / `loadClip` unchanged.
 *
 * One step: encode the batch's images and captions, symmetric InfoNCE with the learnable log
 * logit scale (`clipContrastiveLoss`), backward through both towers, one Adam update of every
 * weight and the scale, then the scale is clamped to [0, ln 100] in place (OpenAI clamped the
 * parameter after each update, so logits are never scaled by more than 100).
 *
 * Defaults follow the CLIP paper's optimiser (Adam, β = (0.9, 0.98), ε = 1e-6) with a learning
 * rate suited to a few-layer model; the paper's decoupled weight decay and cosine schedule are
 * left to the caller (our Adam's decay is torch's L2 form, not AdamW's).
 */
import { toFloat32, type HostTensor } from '@stylegpu/io';
import { Adam, backward, clampMax, clampMin, toHost, type Runtime, type Tensor } from '@stylegpu/kernels';
import { checkClipConfig, type ClipConfig } from '../checkpoint/index.js';
import { ClipModel } from '../model/index.js';
import { clipContrastiveLoss, CLIP_LOGIT_SCALE_MAX } from './contrastive-loss.js';
import { CLIP_LOGIT_SCALE_INIT, initClipWeights } from './init-weights.js';

export interface ClipTrainerOptions {
  /** Seed of the initial weights (`initClipWeights`). Default 0. */
  seed?: number;
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
}

export interface ClipStepResult {
  loss: number;
  /** exp(log logit scale) after the step's clamp. */
  logitScale: number;
}

export class ClipTrainer {
  readonly optimizer: Adam;
  private disposed = false;

  private constructor(
    readonly rt: Runtime,
    readonly model: ClipModel,
    /** The log logit scale, shape [] as OpenAI's `logit_scale`. */
    readonly logLogitScale: Tensor,
    options: ClipTrainerOptions,
  ) {
    const params = [...model.parameters().values(), logLogitScale];
    this.optimizer = new Adam(params, { lr: options.lr ?? 5e-4, betas: options.betas ?? [0.9, 0.98], eps: options.eps ?? 1e-6 });
  }

  /** A freshly initialised model (OpenAI's initialisation, `initClipWeights(config, seed)`), every weight trainable. */
  static create(rt: Runtime, config: ClipConfig, options: ClipTrainerOptions = {}): ClipTrainer {
    checkClipConfig(config, 'ClipTrainer.create');
    return ClipTrainer.fromWeights(rt, config, initClipWeights(config, options.seed ?? 0), options);
  }

  /** Continues training from OpenAI-named weights (e.g. a checkpoint this trainer saved). */
  static fromWeights(rt: Runtime, config: ClipConfig, weights: ReadonlyMap<string, HostTensor>, options: ClipTrainerOptions = {}): ClipTrainer {
    const model = ClipModel.fromWeights(rt, config, weights);
    for (const p of model.parameters().values()) p.requiresGrad = true;
    const scale = weights.get('logit_scale');
    const s = scale ? toFloat32(scale)[0] : CLIP_LOGIT_SCALE_INIT; // toFloat32: the file may hold f16
    return new ClipTrainer(rt, model, rt.parameter([s], [], 'logit_scale'), options);
  }

  get config(): ClipConfig {
    return this.model.config;
  }

  /**
   * One training step on N matching pairs: `pixels` the CLIP input [N, 3, R, R] (already
   * normalised, e.g. `preprocessImage`), `tokens` [N, context] ids of the N captions.
   */
  async step(pixels: Tensor, tokens: Int32Array): Promise<ClipStepResult> {
    this.checkAlive('step');
    const N = pixels.shape[0];
    const L = this.config.text.contextLength;
    if (tokens.length !== N * L) {
      throw new Error(`ClipTrainer.step: ${pixels.shape[0]} images but ${tokens.length / L} captions of ${L} tokens (${tokens.length} ids); pass one caption per image`);
    }
    const loss = this.rt.tidy(() => {
      this.optimizer.zeroGrad();
      const l = clipContrastiveLoss(this.model.encodeImage(pixels), this.model.encodeText(tokens), this.logLogitScale);
      backward(l);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      this.clampLogitScale();
      l.gradFn = null; // the graph's tensors close with this scope; only the value is wanted
      return l;
    });
    try {
      const [value, scale] = await Promise.all([loss.item(), this.logLogitScale.item()]);
      return { loss: value, logitScale: Math.exp(scale) };
    } finally {
      loss.dispose();
    }
  }

  /** The loss of a batch without training (no graph recorded). */
  async evaluate(pixels: Tensor, tokens: Int32Array): Promise<number> {
    this.checkAlive('evaluate');
    const loss = this.rt.noGrad(() =>
      this.rt.tidy(() => clipContrastiveLoss(this.model.encodeImage(pixels), this.model.encodeText(tokens), this.logLogitScale)),
    );
    try {
      return await loss.item();
    } finally {
      loss.dispose();
    }
  }

  /** The current weights, OpenAI-named, with `logit_scale`: what `saveClipCheckpoint` takes. */
  async checkpoint(): Promise<{ config: ClipConfig; weights: Map<string, HostTensor> }> {
    this.checkAlive('checkpoint');
    const weights = new Map<string, HostTensor>();
    for (const [name, t] of this.model.parameters()) weights.set(name, await toHost(t));
    weights.set('logit_scale', await toHost(this.logLogitScale));
    return { config: this.config, weights };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.model.dispose();
    this.logLogitScale.dispose();
  }

  /** s ← min(max(s, 0), ln 100), in place on the GPU (no readback). */
  private clampLogitScale(): void {
    this.rt.noGrad(() => {
      const clamped = clampMax(clampMin(this.logLogitScale, 0), CLIP_LOGIT_SCALE_MAX);
      this.rt.copy(clamped, this.logLogitScale);
    });
  }

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`ClipTrainer.${op}: the trainer was disposed`);
  }
}

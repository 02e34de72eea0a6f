/**
 * A training objective: a named, weighted loss term. The trainer sums them; a new loss is one file
 * in `losses/` plus one entry in `objective-registry.ts`.
 *
 *   kind 'clip'   evaluated once per CLIP model with that model's embeddings, then weighted by
 *                 the model's weight; the trainer sums over the models (StyleDomain's CLIPLoss and
 *                 NADA's `clip_model_weights` both do exactly that)
 *   kind 'model'  evaluated once per step (reconstruction, offset regularisers)
 *
 * The step total is Σ_models Σ_clip-objectives model.weight · (objective.weight · term), then
 * + Σ_model-objectives objective.weight · term, in list order (so NADA's sums are unchanged).
 */
import type { Runtime, Tensor } from '@stylegpu/kernels';
import type { ClipModel, TextTokenizer } from '@stylegpu/clip';
import type { Parameterisation } from './parameterisation.js';

export interface TrainerClip {
  /** A label for logs (e.g. the file name or 'ViT-B/32'). */
  name: string;
  model: ClipModel;
  /** The model's own: OpenAI's BPE, or a word vocabulary bound to its context length (`loadClipTokenizer`). */
  tokenizer: TextTokenizer;
  /** `--clip_model_weights`; a model with weight 0 is skipped. */
  weight: number;
}

/** One-shot guidance (MindTheGap style): the style image and its inverted latent. */
export interface OneShotGuide {
  /** The style image [1, 3, R, R] in [-1, 1], at the generator's resolution. */
  image: Tensor;
  /** Its latent (inversion) [1, numWs, wDim]. */
  ws: Tensor;
}

/** What every objective sees at one step. Images are [B, 3, R, R] in about [-1, 1]. */
export interface StepContext {
  readonly rt: Runtime;
  /** The step index (0-based). */
  readonly step: number;
  readonly ws: Tensor;
  readonly source: Tensor;
  readonly target: Tensor;
  readonly parameterisation: Parameterisation;
  readonly oneShot?: OneShotGuide;
  /** G_target(style ws) [1, 3, R, R] (computed once per step, with gradient). */
  styleTarget(): Tensor;
  /** G_source(style ws) [1, 3, R, R] (once per step, no gradient). */
  styleSource(): Tensor;
}

/** Adds the CLIP model's view. Embeddings are E_I's raw outputs (not normalised) [B, D]. */
export interface ClipContext extends StepContext {
  readonly clip: TrainerClip;
  readonly clipIndex: number;
  readonly sourceEmb: Tensor;
  readonly targetEmb: Tensor;
  /** The target direction ΔT [1, D] (text or image direction). */
  readonly direction: Tensor;
  /** E_T("a {target_class}") [1, D] (the global loss's text). */
  readonly targetText: Tensor;
  /** This model's embedding of an image in [-1, 1] (generated-image preprocessing), memoised per step by `key`. */
  encode(key: string, image: () => Tensor): Tensor;
}

export type Objective =
  | { name: string; weight: number; kind: 'clip'; label: string; fn: (ctx: ClipContext) => Tensor }
  | { name: string; weight: number; kind: 'model'; label: string; fn: (ctx: StepContext) => Tensor };

/**
 * A training objective: a named, weighted loss term {name, weight, fn} and the per-step views it
 * reads. The trainers (NadaTrainer, MapperTrainer) take a list of them and add them up in one place
 * (`sumObjectives`). A new loss is one file in `losses/` plus one entry in `objective-registry.ts`
 * (for lookup by name, e.g. the CLI's --losses); an Objective value built anywhere else (a test,
 * a user's script) goes straight into a trainer's `objectives` without registration.
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

/**
 * What every objective sees at one step. Images are [B, 3, R, R] in about [-1, 1]. The parts one
 * trainer has and another lacks are optional; an objective lists the ones it reads in `needs`, and
 * a trainer refuses, when it is built, an objective that needs a part it does not provide.
 */
export interface StepContext {
  readonly rt: Runtime;
  /** The step index (0-based). */
  readonly step: number;
  /** The step's latents W+ [B, numWs, wDim], no gradient. */
  readonly ws: Tensor;
  /** The image that trains, with gradient: G_target(ws) (NadaTrainer), or G(ŵ) of the mapper's edited latents (MapperTrainer). */
  readonly target: Tensor;
  /** The image before training, no gradient: G_source(ws), or G(ws) before the mapper's edit. Made at most once per step. */
  source(): Tensor;
  /** What trains (NadaTrainer): the offset regularisers read its offsets. */
  readonly parameterisation?: Parameterisation;
  /** The latent mapper's M(w) [B, numWs, wDim], with gradient (MapperTrainer; the edit is ŵ = w + 0.1·M(w)). */
  readonly latentDelta?: Tensor;
  readonly oneShot?: OneShotGuide;
  /** G_target(style ws) [1, 3, R, R] (computed once per step, with gradient; needs `oneShot`). */
  styleTarget(): Tensor;
  /** G_source(style ws) [1, 3, R, R] (once per step, no gradient; needs `oneShot`). */
  styleSource(): Tensor;
}

/** Adds one CLIP model's view. Embeddings are E_I's raw outputs (not normalised) [B, D]. */
export interface ClipContext extends StepContext {
  readonly clip: TrainerClip;
  readonly clipIndex: number;
  /** E_I(source) [B, D], no gradient; encoded when first asked for. */
  sourceEmb(): Tensor;
  /** E_I(target) [B, D], with gradient. */
  readonly targetEmb: Tensor;
  /** The text the target should match [1, D]: NADA's E_T("a {target_class}") (the global loss's), or the mapper's description. */
  readonly targetText: Tensor;
  /** The target direction ΔT [1, D] (text or image direction; NadaTrainer). */
  readonly direction?: Tensor;
  /** The source and target class embeddings of NADA's `set_text_features` [1, D] each (NadaTrainer, text target). */
  readonly classTexts?: { readonly source: Tensor; readonly target: Tensor };
  /** This model's embedding of an image in [-1, 1] (generated-image preprocessing), memoised per step by `key`. */
  encode(key: string, image: () => Tensor): Tensor;
}

/** The optional parts of the contexts, by the name an objective's `needs` lists them under. */
export type ObjectiveNeed = 'direction' | 'class-texts' | 'one-shot' | 'parameterisation' | 'latent-delta';

interface ObjectiveBase {
  name: string;
  weight: number;
  /** For logs and for naming a term that became NaN. */
  label: string;
  /** The optional context parts `fn` reads (none when absent). */
  needs?: readonly ObjectiveNeed[];
}

/**
 * A loss term. `clip` objectives are evaluated per CLIP model and weighted by the model's weight
 * too; `first-clip` ones with the first CLIP model only and by their own weight alone (a
 * regulariser on one model's embeddings, as the mapper's embedding-norm loss); `model` ones once.
 * How they add up is `sumObjectives`'s (objective-sum.ts).
 */
export type Objective =
  | (ObjectiveBase & { kind: 'clip' | 'first-clip'; fn: (ctx: ClipContext) => Tensor })
  | (ObjectiveBase & { kind: 'model'; fn: (ctx: StepContext) => Tensor });

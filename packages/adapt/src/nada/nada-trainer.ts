/**
 * StyleGAN-NADA's training loop (rinongal/StyleGAN-nada `train.py` + `ZSSGAN.py`), written once:
 *
 *   per step:  z ~ N(0, I) (with style mixing at probability `mixing`)
 *              w = G_frozen.mapping(z)                     no gradient
 *              I_src = G_frozen.synthesis(w)               no gradient
 *              I_tgt = G_train.synthesis(w)                (only the chosen layers train)
 *              L = Σ_m weight_m · (λ_dir·L_dir + λ_global·L_global)   over the CLIP models
 *              one Adam step
 *
 * With `autoLayerK > 0` and `autoLayerIters > 0`, every step first picks the layers to train by
 * NADA's adaptive layer selection (see `adaptive-layers.ts` in this package).
 *
 * The target direction is the text direction (`sourceClass` → `targetClass`, averaged over the
 * ImageNet prompt templates, or `templates`), or the image direction when target images are given.
 *
 * Two slots make it StyleDomain's trainer too: `objectives` (named, weighted loss terms; NADA's two
 * are built from λ_dir and λ_global when none are given) and `parameterisation` (what trains and
 * how it is applied; NADA's phase filter over the trainable generator's weights by default).
 */
import { Adam, SGD, type Runtime, type Tensor, backward, concat, randomNormal, slice } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { preprocessGenerated, preprocessImage, seededRandom } from '@stylegpu/clip';
import { globalClipText } from '../losses/global-clip-loss.js';
import { imageDirection } from '../losses/image-direction.js';
import { classTextEmbedding, composeWithTemplates, textDirection } from '../losses/text-direction.js';
import { type AdaptiveLayerChoice, adaptiveLayerFilter } from '../adaptive-layers.js';
import { type NadaPhase, nadaTrainingFilter } from '../phases.js';
import { nadaAdamOptions } from '../optimizer.js';
import type { Objective, ObjectiveNeed, OneShotGuide, StepContext, TrainerClip } from '../trainer/objective.js';
import type { Parameterisation } from '../trainer/parameterisation.js';
import { GeneratorWeights } from '../parameterisations/generator-weights.js';
import { buildObjectives, nadaObjectives } from '../trainer/objective-registry.js';
import { type ClipTexts, checkObjectiveNeeds, firstNonFiniteTerm, sumObjectives } from '../trainer/objective-sum.js';
import { IMAGENET_TEMPLATES } from '../templates.js';

export type NadaClip = TrainerClip;

export interface NadaOptions {
  sourceClass: string;
  /** Text target; or give `targetImages`. */
  targetClass?: string;
  /** Image-guided adaptation: target images as [1, 3, H, W] tensors in [0, 1]. */
  targetImages?: Tensor[];
  /** Generated images whose mean embedding is the source point of the image direction (`img2img_batch`, 16). */
  img2imgBatch?: number;
  batch?: number;
  /** `--lr` (0.002); Adam runs at lr·4/5 with betas (0, 0.99^(4/5)) as the official optimiser. */
  lr?: number;
  phase?: NadaPhase;
  mixing?: number;
  seed?: number;
  lambdaDirection?: number;
  lambdaGlobal?: number;
  autoLayerK?: number;
  autoLayerIters?: number;
  autoLayerBatch?: number;
  /** The loss terms (`buildObjectives`); default NADA's: direction (λ_dir) and global (λ_global). */
  objectives?: Objective[];
  /** What trains (`buildParameterisation`); default the trainable generator's `phase` layers. */
  parameterisation?: Parameterisation;
  /** One-shot guidance for clip_within / clip_ref / l2_rec. */
  oneShot?: OneShotGuide;
  /** Adam betas for 'adam'-family parameterisations (StyleDomain: (0.9, 0.999)). */
  adamBetas?: [number, number];
  /**
   * Prompt templates the text direction averages over (default NADA's, the ImageNet list). A word-tokenized
   * CLIP knows only its captions' words, so it needs templates from its own vocabulary (e.g. ['a {} square']).
   */
  templates?: readonly string[];
}

type SlotKeys = 'targetClass' | 'targetImages' | 'objectives' | 'parameterisation' | 'oneShot' | 'adamBetas' | 'templates';

/**
 * Every text the trainer encodes with each CLIP model's tokenizer for these options: the source and target
 * class in each template (text direction; not when target images give the direction), the global loss's
 * "a {target}", and the bare target class for adaptive layer selection. A command tokenizes them on the
 * CPU first, so a prompt a word-level CLIP cannot read stops it before any GPU work.
 */
export function nadaPrompts(o: Pick<NadaOptions, 'sourceClass' | 'targetClass' | 'templates' | 'autoLayerK' | 'autoLayerIters'> & { imageGuided?: boolean }): string[] {
  const texts: string[] = [];
  if (!o.imageGuided && o.targetClass) for (const c of [o.sourceClass, o.targetClass]) texts.push(...composeWithTemplates(c, o.templates ?? IMAGENET_TEMPLATES));
  texts.push(globalClipText(o.targetClass ?? o.sourceClass));
  if ((o.autoLayerK ?? NADA_DEFAULTS.autoLayerK) > 0 && (o.autoLayerIters ?? NADA_DEFAULTS.autoLayerIters) > 0 && o.targetClass) texts.push(o.targetClass);
  return texts;
}

/** The options' defaults, as the official `train.py`'s. */
export const NADA_DEFAULTS = {
  batch: 2,
  lr: 0.002,
  phase: 'default' as NadaPhase,
  mixing: 0,
  seed: 2,
  lambdaDirection: 1,
  lambdaGlobal: 0,
  autoLayerK: 0,
  autoLayerIters: 0,
  autoLayerBatch: 8,
  img2imgBatch: 16,
};

export interface NadaStepResult {
  step: number;
  loss: number;
}

/**
 * Training diverged: a loss term became NaN or ±Infinity (seen in the loss read back every step), or
 * the weights hold one (seen when a checkpoint reads them back; clamps in the generator can hide NaN
 * weights from the loss).
 */
export class NadaDivergedError extends Error {
  constructor(
    /** The step whose loss was not finite (0-based, as NadaTrainer.step), or the steps taken when the weights were found bad. */
    readonly step: number,
    /** The loss term (e.g. 'directional CLIP loss of CLIP model ViT-B-32.pt') or the parameter name. */
    readonly term: string,
    readonly value: number,
    /** What the caller can do about it (the run adds where its last good checkpoint is). */
    readonly advice?: string,
    readonly found: 'loss' | 'weights' = 'loss',
  ) {
    super(`nada: ${NadaDivergedError.describe(step, term, value, found)}${advice ? `; training stopped: ${advice}` : ''}`);
    this.name = 'NadaDivergedError';
  }

  /** The finding alone, without the advice. */
  get what(): string {
    return NadaDivergedError.describe(this.step, this.term, this.value, this.found);
  }

  private static describe(step: number, term: string, value: number, found: 'loss' | 'weights'): string {
    return found === 'loss' ? `the ${term} became ${value} at step ${step}` : `the weight ${term} holds ${value} after ${step} steps (found when saving a checkpoint)`;
  }
}

export class NadaTrainer {
  readonly options: Required<Omit<NadaOptions, SlotKeys>> & Pick<NadaOptions, SlotKeys>;
  readonly optimizer: Adam;
  readonly objectives: Objective[];
  readonly parameterisation: Parameterisation;
  /** Whether the parameterisation was made here (and is disposed with the trainer). */
  private readonly ownsParameterisation: boolean;
  /** Steps taken (the next step's index). */
  step = 0;
  /** Per CLIP model: the target direction ΔT [1, D], and the global-loss text embedding. */
  private readonly directions: Tensor[] = [];
  private readonly targetTexts: Tensor[] = [];
  /** The bare target class, encoded: what adaptive layer selection's global loss compares with. */
  private readonly selectionTexts: Tensor[] = [];
  /** Per CLIP model, the source and target class embeddings (only when an objective needs them). */
  private readonly classTexts: Array<{ source: Tensor; target: Tensor }> = [];
  /** The layers the last adaptive selection chose (empty without adaptive selection). */
  lastChoice: AdaptiveLayerChoice | null = null;
  private readonly trainFilter: (name: string) => boolean;

  constructor(
    readonly rt: Runtime,
    readonly frozen: Generator,
    readonly trainable: Generator,
    readonly clips: readonly NadaClip[],
    options: NadaOptions,
  ) {
    this.options = { ...NADA_DEFAULTS, ...options } as NadaTrainer['options'];
    const o = this.options;
    if (!o.targetClass && !o.targetImages?.length) throw new Error('NadaTrainer: give a target class or target images');
    if (!clips.length) throw new Error('NadaTrainer: at least one CLIP model is needed');
    if (frozen.config.imgResolution !== trainable.config.imgResolution || frozen.config.wDim !== trainable.config.wDim) {
      throw new Error(
        `NadaTrainer: the frozen (${frozen.config.imgResolution} px, w ${frozen.config.wDim}) and trainable ` +
          `(${trainable.config.imgResolution} px, w ${trainable.config.wDim}) generators differ`,
      );
    }
    if (!Number.isInteger(o.batch) || o.batch < 1) throw new Error(`NadaTrainer: batch must be a positive integer, got ${o.batch}`);
    if (!(o.mixing >= 0 && o.mixing <= 1)) throw new Error(`NadaTrainer: mixing must be in [0, 1], got ${o.mixing}`);
    for (const p of frozen.parameters()) p.requiresGrad = false;
    this.objectives = o.objectives ?? nadaObjectives({ lambdaDirection: o.lambdaDirection, lambdaGlobal: o.lambdaGlobal });
    if (!this.objectives.length) throw new Error('NadaTrainer: the objective list is empty');
    const provided = new Set<ObjectiveNeed>(['direction', 'parameterisation']);
    if (!o.targetImages?.length) provided.add('class-texts');
    if (o.oneShot) provided.add('one-shot');
    checkObjectiveNeeds('NadaTrainer', this.objectives, provided);
    this.trainFilter = nadaTrainingFilter(o.phase);
    if (this.adaptive && !o.targetClass) throw new Error('NadaTrainer: adaptive layer selection (autoLayerK, autoLayerIters) needs a target class');
    if (o.parameterisation) {
      if (this.adaptive && !(o.parameterisation instanceof GeneratorWeights)) {
        throw new Error(`NadaTrainer: adaptive layer selection picks generator layers; it cannot be used with the '${o.parameterisation.name}' parameterisation`);
      }
      this.parameterisation = o.parameterisation;
      this.ownsParameterisation = false;
    } else {
      // With adaptive selection any layer may be chosen, so the optimiser holds every trainable tensor;
      // it skips the ones frozen at a given step (and keeps their moments).
      this.parameterisation = new GeneratorWeights(trainable, { filter: this.trainFilter, optimiseAll: this.adaptive });
      this.ownsParameterisation = true;
    }
    if (o.parameterisation instanceof GeneratorWeights && o.parameterisation.generator !== trainable) {
      throw new Error('NadaTrainer: the generator-weights parameterisation must wrap the trainable generator');
    }
    const params = [...this.parameterisation.named().values()];
    if (!params.length) throw new Error(`NadaTrainer: the '${this.parameterisation.name}' parameterisation trains nothing on this generator`);
    this.optimizer = new Adam(
      params,
      this.parameterisation.optimizer === 'nada' ? nadaAdamOptions(o.lr) : { lr: o.lr, betas: o.adamBetas ?? [0.9, 0.999] },
    );
    const needsClassTexts = this.objectives.some((obj) => obj.weight && obj.needs?.includes('class-texts'));
    rt.noGrad(() => {
      for (const c of clips) {
        const encode = (texts: string[]) => c.model.encodeText(c.tokenizer.tokenize(texts, { truncate: true }));
        const dir = o.targetImages?.length ? this.imageDirectionFor(c) : rt.tidy(() => textDirection(encode, o.sourceClass, o.targetClass!, o.templates ?? IMAGENET_TEMPLATES));
        this.directions.push(rt.keep(dir));
        this.targetTexts.push(rt.keep(rt.tidy(() => classTextEmbedding(encode, globalClipText(o.targetClass ?? o.sourceClass), ['{}']))));
        if (this.adaptive) this.selectionTexts.push(rt.keep(rt.tidy(() => classTextEmbedding(encode, o.targetClass!, ['{}']))));
        if (needsClassTexts) {
          const templates = o.templates ?? IMAGENET_TEMPLATES;
          const [source, target] = [o.sourceClass, o.targetClass!].map((cls) => rt.keep(rt.tidy(() => classTextEmbedding(encode, cls, templates))));
          this.classTexts.push({ source, target });
        }
      }
    });
  }

  get adaptive(): boolean {
    return this.options.autoLayerK > 0 && this.options.autoLayerIters > 0;
  }

  /**
   * NADA's adaptive layer selection: optimise a W+ copy for `autoLayerIters` SGD(0.01) steps on the
   * global CLIP loss of the trainable generator, then train only the layers whose ws moved most.
   */
  async selectLayers(): Promise<AdaptiveLayerChoice> {
    const { rt, frozen, trainable, options: o } = this;
    const offset = 0x40000000 + this.step * o.autoLayerBatch * frozen.config.zDim;
    const before = rt.keep(rt.noGrad(() => rt.tidy(() => frozen.mapping(randomNormal(rt, [o.autoLayerBatch, frozen.config.zDim], { seed: o.seed, offset })))));
    const wPlus = rt.keep(rt.empty(before.shape, 'f32', 'selectLayers'));
    rt.copy(before, wPlus);
    wPlus.requiresGrad = true;
    trainable.setTrainable(() => false);
    const sgd = new SGD([wPlus], { lr: 0.01 });
    const objectives = buildObjectives([{ name: 'global', weight: 1 }]);
    try {
      for (let i = 0; i < o.autoLayerIters; i++) {
        rt.tidy(() => {
          const noSource = () => {
            throw new Error('NadaTrainer: adaptive layer selection has no source image');
          };
          const ctx = this.stepContext(wPlus, noSource, trainable.synthesis(wPlus));
          const { total } = sumObjectives(objectives, this.clips, ctx, (_c, m) => ({ targetText: this.selectionTexts[m] }));
          backward(total);
          sgd.step();
          sgd.zeroGrad();
        });
      }
      const choice = await adaptiveLayerFilter(before, wPlus, o.autoLayerK, trainable.layers);
      trainable.setTrainable(choice.filter);
      this.lastChoice = choice;
      return choice;
    } finally {
      sgd.dispose();
      before.dispose();
      wPlus.dispose();
    }
  }

  /** Source point = mean embedding of generated images; target point = mean embedding of the target images. */
  private imageDirectionFor(c: NadaClip): Tensor {
    const { rt, options: o } = this;
    const size = c.model.config.vision.imageSize;
    return rt.tidy(() => {
      const z = randomNormal(rt, [o.img2imgBatch, this.frozen.config.zDim], { seed: o.seed, offset: 0x7fff0000 });
      const src = c.model.encodeImage(preprocessGenerated(this.trainable.forward(z), { size }));
      const tgt = concat(o.targetImages!.map((img) => c.model.encodeImage(preprocessImage(img, { size, antialias: true }))), 0);
      return imageDirection(src, tgt);
    });
  }

  /** W+ for this step from the frozen mapping, with style mixing at probability `mixing`. */
  private sampleWs(): Tensor {
    const { rt, frozen, options: o } = this;
    const { zDim } = frozen.config;
    const offset = this.step * 2 * o.batch * zDim;
    const z1 = randomNormal(rt, [o.batch, zDim], { seed: o.seed, offset });
    const ws = frozen.mapping(z1);
    // Mixing decisions come from (seed, step) alone, so a resumed run draws what the original would have.
    const rng = seededRandom((o.seed ^ Math.imul(this.step + 1, 0x9e3779b1)) >>> 0);
    if (o.mixing > 0 && rng.uniform() < o.mixing) {
      // As `mixing_noise` + the generator's `inject_index = randint(1, n_latent)`.
      const cut = 1 + Math.floor(rng.uniform() * (frozen.numWs - 1));
      const ws2 = frozen.mapping(randomNormal(rt, [o.batch, zDim], { seed: o.seed, offset: offset + o.batch * zDim }));
      return concat([slice(ws, [null, [0, cut]]), slice(ws2, [null, [cut, frozen.numWs]])], 1);
    }
    return ws;
  }

  /**
   * One training step; returns the loss (one scalar readback, which also serves as the NaN/Inf check).
   * A non-finite loss throws a NadaDivergedError naming the step and the loss term, read back only
   * then; the Adam step has been taken by that time, so the trainable weights are no longer usable
   * (reload the last checkpoint).
   */
  async trainStep(): Promise<NadaStepResult> {
    const { rt, options: o } = this;
    if (this.adaptive) await this.selectLayers();
    const { total: loss, terms } = rt.tidy(() => {
      const ws = rt.noGrad(() => this.sampleWs());
      const src = rt.noGrad(() => this.frozen.synthesis(ws));
      const tgt = this.parameterisation.synthesis(ws);
      // The weighted terms come back kept (not read), so a non-finite total can be traced to its term.
      const sum = sumObjectives(this.objectives, this.clips, this.stepContext(ws, () => src, tgt), (_c, m) => this.textsOf(m));
      backward(sum.total);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return sum;
    });
    try {
      const value = await loss.item();
      if (!Number.isFinite(value)) {
        const bad = (await firstNonFiniteTerm(terms)) ?? { name: 'total loss', value };
        throw new NadaDivergedError(this.step, bad.name, bad.value);
      }
      return { step: this.step++, loss: value };
    } finally {
      loss.dispose();
      for (const t of terms) t.value.dispose();
    }
  }

  /** CLIP model m's texts for the objectives. */
  private textsOf(m: number): ClipTexts {
    return { targetText: this.targetTexts[m], direction: this.directions[m], classTexts: this.classTexts[m] };
  }

  /** The per-step view objectives get; style images are made at most once per step. */
  private stepContext(ws: Tensor, source: () => Tensor, target: Tensor): StepContext {
    const { rt } = this;
    const oneShot = this.options.oneShot;
    let styleTarget: Tensor | undefined;
    let styleSource: Tensor | undefined;
    const need = () => {
      if (!oneShot) throw new Error('NadaTrainer: this objective needs a one-shot style image and its latent (oneShot)');
      return oneShot;
    };
    return {
      rt,
      step: this.step,
      ws,
      source,
      target,
      parameterisation: this.parameterisation,
      oneShot,
      styleTarget: () => (styleTarget ??= this.parameterisation.synthesis(need().ws)),
      styleSource: () => (styleSource ??= rt.noGrad(() => this.frozen.synthesis(need().ws))),
    };
  }

  /** Source and adapted images for fixed z's (sample grids): [N, C, R, R] each. */
  samples(z: Tensor, truncationPsi = 0.7): { source: Tensor; target: Tensor } {
    return this.rt.noGrad(() => {
      const ws = this.frozen.mapping(z, { truncationPsi });
      return { source: this.frozen.synthesis(ws), target: this.parameterisation.synthesis(ws) };
    });
  }

  /** Adam's state per trainable parameter name, for a resumable checkpoint. */
  optimizerState(): Map<string, { step: number; m: Tensor; v: Tensor }> {
    const out = new Map<string, { step: number; m: Tensor; v: Tensor }>();
    for (const [name, p] of this.parameterisation.named()) {
      const s = this.optimizer.stateOf(p);
      if (s) out.set(name, s);
    }
    return out;
  }

  /** Continues a run: the step count and Adam's moments (the trainable weights are loaded into the generator by the caller). */
  restore(step: number, state: ReadonlyMap<string, { step: number; m: Tensor; v: Tensor }>): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`NadaTrainer.restore: bad step ${step}`);
    for (const [name, s] of state) {
      const p = this.parameterisation.named().get(name);
      if (!p) throw new Error(`NadaTrainer.restore: the checkpoint has optimiser state for unknown parameter ${name}`);
      this.optimizer.loadState(p, s);
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.directions, ...this.targetTexts, ...this.selectionTexts]) t.dispose();
    for (const { source, target } of this.classTexts) (source.dispose(), target.dispose());
    this.optimizer.dispose();
    if (this.ownsParameterisation) this.parameterisation.dispose();
  }
}

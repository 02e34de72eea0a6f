/**
 * The latent mapper stage of StyleGAN-NADA (`ZSSGAN/mapper/training/coach.py`, StyleCLIP's mapper):
 * with the adapted generator frozen, learn ŵ = w + 0.1·M(w) so that G(ŵ) matches a description.
 *
 *   w      = G.mapping(z, ψ = 0.7)                           no gradient
 *   L      = λ_l2   · mean((0.1·M(w))²)                       latent_l2
 *          + Σ_m weight_m · λ_clip · (1 − cos(E_m(G(ŵ)), E_m(text)))   global: the mapper's CLIP loss (1 − logits/100)
 *          + λ_norm · MSE(‖E_0(G(w))‖, ‖E_0(G(ŵ))‖)            embedding_norm, on the first CLIP model
 *
 * Those three are the default `objectives` (`mapperObjectives`); any list of objectives whose
 * needs the mapper meets (no target direction, one-shot image or parameterisation) can replace
 * them, and they add up as every trainer's do (`sumObjectives`).
 *
 * Differences from the official code, on purpose and documented:
 *  - no identity loss (it needs ArcFace IR-SE50 weights, which stylegpu does not load);
 *  - images reach CLIP through the same bicubic preprocessing as the NADA loop, not through
 *    `AvgPool(Upsample×7)`;
 *  - Adam instead of Ranger (RAdam + Lookahead): `lr` applies to Adam.
 */
import { Adam, type Runtime, type Tensor, backward, randomNormal } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { classTextEmbedding } from '../losses/text-direction.js';
import { type LatentMapper, createLatentMapper } from '../latent-mapper.js';
import type { Objective, StepContext, TrainerClip } from '../trainer/objective.js';
import { mapperObjectives } from '../trainer/objective-registry.js';
import { checkObjectiveNeeds, firstNonFiniteTerm, sumObjectives } from '../trainer/objective-sum.js';

export interface MapperTrainerOptions {
  description: string;
  batch?: number;
  lr?: number;
  seed?: number;
  truncationPsi?: number;
  clipLambda?: number;
  latentL2Lambda?: number;
  normLambda?: number;
  noCoarse?: boolean;
  noMedium?: boolean;
  noFine?: boolean;
  /** The loss terms; default `mapperObjectives` of clipLambda, latentL2Lambda and normLambda. */
  objectives?: Objective[];
}

const DEFAULTS = { batch: 2, lr: 0.5, seed: 0, truncationPsi: 0.7, clipLambda: 1, latentL2Lambda: 0.8, normLambda: 0.5 };

export class MapperTrainer {
  readonly mapper: LatentMapper;
  readonly optimizer: Adam;
  readonly options: Required<Omit<MapperTrainerOptions, 'noCoarse' | 'noMedium' | 'noFine' | 'objectives'>> & MapperTrainerOptions;
  readonly objectives: Objective[];
  step = 0;
  private readonly texts: Tensor[] = [];

  constructor(
    readonly rt: Runtime,
    readonly generator: Generator,
    readonly clips: readonly TrainerClip[],
    options: MapperTrainerOptions,
  ) {
    this.options = { ...DEFAULTS, ...options };
    const o = this.options;
    if (!o.description.trim()) throw new Error('MapperTrainer: the description is empty');
    if (!clips.length) throw new Error('MapperTrainer: at least one CLIP model is needed');
    if (!Number.isInteger(o.batch) || o.batch < 1) throw new Error(`MapperTrainer: batch must be a positive integer, got ${o.batch}`);
    this.objectives = o.objectives ?? mapperObjectives(o);
    if (!this.objectives.length) throw new Error('MapperTrainer: the objective list is empty');
    checkObjectiveNeeds('MapperTrainer', this.objectives, new Set(['latent-delta']));
    for (const p of generator.parameters()) p.requiresGrad = false;
    this.mapper = createLatentMapper(rt, {
      numWs: generator.numWs,
      wDim: generator.config.wDim,
      seed: o.seed,
      noCoarse: o.noCoarse,
      noMedium: o.noMedium,
      noFine: o.noFine,
    });
    this.optimizer = new Adam(this.mapper.parameters(), { lr: o.lr });
    rt.noGrad(() => {
      for (const c of clips) {
        const encode = (t: string[]) => c.model.encodeText(c.tokenizer.tokenize(t, { truncate: true }));
        this.texts.push(rt.keep(rt.tidy(() => classTextEmbedding(encode, o.description, ['{}']))));
      }
    });
  }

  /** One step; returns the total loss (one scalar readback). */
  async trainStep(): Promise<{ step: number; loss: number }> {
    const { rt, generator: G, options: o } = this;
    const { total: loss, terms } = rt.tidy(() => {
      const z = randomNormal(rt, [o.batch, G.config.zDim], { seed: o.seed, offset: this.step * o.batch * G.config.zDim });
      const w = rt.noGrad(() => G.mapping(z, { truncationPsi: o.truncationPsi }));
      const delta = this.mapper.delta(w);
      let source: Tensor | undefined;
      const noOneShot = (): never => {
        throw new Error('MapperTrainer: no objective here can use a one-shot style image');
      };
      const ctx: StepContext = {
        rt,
        step: this.step,
        ws: w,
        target: G.synthesis(this.mapper.edit(w, delta)),
        source: () => (source ??= rt.noGrad(() => G.synthesis(w))),
        latentDelta: delta,
        styleTarget: noOneShot,
        styleSource: noOneShot,
      };
      const sum = sumObjectives(this.objectives, this.clips, ctx, (_c, m) => ({ targetText: this.texts[m] }));
      backward(sum.total);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return sum;
    });
    try {
      const value = await loss.item();
      if (!Number.isFinite(value)) {
        const bad = (await firstNonFiniteTerm(terms)) ?? { name: 'loss', value };
        throw new Error(`MapperTrainer: the ${bad.name} became ${bad.value} at step ${this.step}`);
      }
      return { step: this.step++, loss: value };
    } finally {
      loss.dispose();
      for (const t of terms) t.value.dispose();
    }
  }

  /** Images before and after the edit for fixed z's. */
  samples(z: Tensor): { source: Tensor; edited: Tensor } {
    return this.rt.noGrad(() => {
      const w = this.generator.mapping(z, { truncationPsi: this.options.truncationPsi });
      return { source: this.generator.synthesis(w), edited: this.generator.synthesis(this.mapper.edit(w)) };
    });
  }

  dispose(): void {
    for (const t of this.texts) t.dispose();
    this.optimizer.dispose();
    this.mapper.dispose();
  }
}

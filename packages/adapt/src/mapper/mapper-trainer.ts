/**
 * The latent mapper stage of StyleGAN-NADA (`ZSSGAN/mapper/training/coach.py`, StyleCLIP's mapper):
 * with the adapted generator frozen, learn ŵ = w + 0.1·M(w) so that G(ŵ) matches a description.
 *
 *   w      = G.mapping(z, ψ = 0.7)                           no gradient
 *   L      = λ_clip · Σ_m (1 − cos(E_m(G(ŵ)), E_m(text)))       the mapper's CLIP loss (1 − logits/100)
 *          + λ_l2   · mean((0.1·M(w))²)                       latent L2
 *          + λ_norm · MSE(‖E_0(G(w))‖, ‖E_0(G(ŵ))‖)            embedding-norm loss on the first CLIP model
 *
 * Differences from the official code, on purpose and documented:
 *  - no identity loss (it needs ArcFace IR-SE50 weights, which stylegpu does not load);
 *  - images reach CLIP through the same bicubic preprocessing as the NADA loop, not through
 *    `AvgPool(Upsample×7)`;
 *  - Adam instead of Ranger (RAdam + Lookahead): `lr` applies to Adam.
 */
import { Adam, type Runtime, type Tensor, add, backward, mulScalar, randomNormal } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { preprocessGenerated } from '@stylegpu/clip';
import { globalClipLoss } from '../losses/global-clip-loss.js';
import { classTextEmbedding } from '../losses/text-direction.js';
import { type LatentMapper, createLatentMapper, embeddingNormLoss, latentL2Loss } from '../latent-mapper.js';
import type { NadaClip } from '../nada/nada-trainer.js';

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
}

const DEFAULTS = { batch: 2, lr: 0.5, seed: 0, truncationPsi: 0.7, clipLambda: 1, latentL2Lambda: 0.8, normLambda: 0.5 };

export class MapperTrainer {
  readonly mapper: LatentMapper;
  readonly optimizer: Adam;
  readonly options: Required<Omit<MapperTrainerOptions, 'noCoarse' | 'noMedium' | 'noFine'>> & MapperTrainerOptions;
  step = 0;
  private readonly texts: Tensor[] = [];

  constructor(
    readonly rt: Runtime,
    readonly generator: Generator,
    readonly clips: readonly NadaClip[],
    options: MapperTrainerOptions,
  ) {
    this.options = { ...DEFAULTS, ...options };
    const o = this.options;
    if (!o.description.trim()) throw new Error('MapperTrainer: the description is empty');
    if (!clips.length) throw new Error('MapperTrainer: at least one CLIP model is needed');
    if (!Number.isInteger(o.batch) || o.batch < 1) throw new Error(`MapperTrainer: batch must be a positive integer, got ${o.batch}`);
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
    const loss = rt.tidy(() => {
      const z = randomNormal(rt, [o.batch, G.config.zDim], { seed: o.seed, offset: this.step * o.batch * G.config.zDim });
      const w = rt.noGrad(() => G.mapping(z, { truncationPsi: o.truncationPsi }));
      const delta = this.mapper.delta(w);
      const img = G.synthesis(this.mapper.edit(w, delta));
      let total = mulScalar(latentL2Loss(delta), o.latentL2Lambda);
      this.clips.forEach((c, m) => {
        if (c.weight === 0) return;
        const size = c.model.config.vision.imageSize;
        const emb = c.model.encodeImage(preprocessGenerated(img, { size }));
        total = add(total, mulScalar(globalClipLoss(emb, this.texts[m]), o.clipLambda * c.weight));
        if (m === 0 && o.normLambda) {
          const before = rt.noGrad(() => c.model.encodeImage(preprocessGenerated(G.synthesis(w), { size })));
          total = add(total, mulScalar(embeddingNormLoss(before, emb), o.normLambda));
        }
      });
      backward(total);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return total;
    });
    const value = await loss.item();
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`MapperTrainer: the loss became ${value} at step ${this.step}`);
    return { step: this.step++, loss: value };
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

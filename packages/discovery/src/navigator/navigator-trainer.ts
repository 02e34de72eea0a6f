/**
 * Training the navigator against a frozen generator (the author's `DiscoverLoss` and training loop,
 * read for semantics). One step with P pairs:
 *
 *   1. w₁, w₂ ← P w samples each (fresh seeds every step).
 *   2. Per pair two distinct directions k₊ ≠ k₋, and a step σ = |N(stepMean, stepStd)| (dynamic
 *      scale; σ = stepMean without it).
 *   3. q = w₁ + σ·off_{k₊}(w₁),  pos = w₂ + σ·off_{k₊}(w₂),  neg = w₂ + σ·off_{k₋}(w₂)   (W+ offsets with heat)
 *   4. One synthesis of [w₁, w₂, q, pos, neg] (5P images), one sensor pass, feature differences
 *      D_q = S(q) − S(w₁), D₊ = S(pos) − S(w₂), D₋ = S(neg) − S(w₂).
 *   5. Loss: 'binary'   λ₊ L₊(D_q, D₊) + λ₋ L₋(D_q, D₋)            (navigator/contrastive-loss.ts)
 *            'prototype' λ₊ L₊(D_q, P_{k₊}) + λ₋ L₋(D_q, D₋) [+ λ_lerp · lerp loss]   (navigator/prototype-bank.ts)
 *      plus λ_div · Σ_{i≠j} cos²(δ_i, δ_j) when λ_div > 0. Adam (betas 0, 0.99; lr 0.002 as the official
 *      'stylegan2' spec) on the navigator only; the generator and sensor stay frozen.
 *
 * stepMean 'auto' is the RMS distance of w from its mean (measured on 256 samples): a step of one
 * typical w deviation, close to the fork's σ ~ |N(1, 1)| times an RMS-normalised δ of norm √w_dim
 * for StyleGAN's W. As in the fork, layer heat multiplies it per layer (a softmax: a uniform heat
 * moves each layer by 1/numWs of it, a concentrated one moves one layer by all of it).
 */
import { Adam, add, backward, concat, expand, mulScalar, reshape, slice, sub, type Tensor } from '@stylegpu/kernels';
import { editW } from '../direction-set.js';
import { sampleWHost, seedRange, type LatentGenerator } from '../latent-generator.js';
import { SeededRandom } from '../linalg/seeded-random.js';
import type { FeatureSensor } from '../sensors/feature-sensor.js';
import { contrastiveLoss } from './contrastive-loss.js';
import type { Navigator } from './navigator.js';
import { PrototypeBank } from './prototype-bank.js';

export type LossVariant = 'binary' | 'prototype';

export interface NavigatorTrainerOptions {
  variant?: LossVariant;
  /** Pairs per step (the batch is 5·pairs images). Default 4. */
  pairs?: number;
  lr?: number;
  betas?: [number, number];
  posLambda?: number;
  negLambda?: number;
  divLambda?: number;
  /** Weight of the fork's interpolation loss (prototype variant). Default 0. */
  lerpLambda?: number;
  /** Prototype interpolation rate. Default 0.05. */
  prototypeRate?: number;
  /** Mean step σ in W ('auto': see the file header). */
  stepMean?: number | 'auto';
  /** Spread of the dynamic step scale; 0 disables it. Default: stepMean (the official mean 1, scale 1, relative). */
  stepStd?: number;
  seed?: number;
  /** Seeds for training w start here (away from evaluation seeds). Default 1_000_000. */
  seedOffset?: number;
}

export interface NavigatorStepResult {
  step: number;
  loss: number;
  pos: number;
  neg: number;
  div: number;
  lerp: number;
}

export class NavigatorTrainer {
  readonly adam: Adam;
  readonly variant: LossVariant;
  readonly stepMean: number;
  readonly stepStd: number;
  steps = 0;
  private readonly rng: SeededRandom;
  private readonly bank: PrototypeBank | null;
  private nextSeed: number;
  private readonly o: Required<Omit<NavigatorTrainerOptions, 'stepMean' | 'stepStd' | 'betas' | 'variant'>>;

  private constructor(
    readonly gen: LatentGenerator,
    readonly nav: Navigator,
    readonly sensor: FeatureSensor,
    opts: NavigatorTrainerOptions,
    stepMean: number,
  ) {
    this.variant = opts.variant ?? 'binary';
    if (this.variant !== 'binary' && this.variant !== 'prototype') throw new Error(`NavigatorTrainer: variant must be 'binary' or 'prototype', got '${String(this.variant)}'`);
    this.o = {
      pairs: opts.pairs ?? 4,
      lr: opts.lr ?? 0.002,
      posLambda: opts.posLambda ?? 1,
      negLambda: opts.negLambda ?? 1,
      divLambda: opts.divLambda ?? 0,
      lerpLambda: opts.lerpLambda ?? 0,
      prototypeRate: opts.prototypeRate ?? 0.05,
      seed: opts.seed ?? 0,
      seedOffset: opts.seedOffset ?? 1_000_000,
    };
    if (!Number.isInteger(this.o.pairs) || this.o.pairs < 1) throw new Error(`NavigatorTrainer: pairs must be a positive integer, got ${this.o.pairs}`);
    for (const k of ['posLambda', 'negLambda', 'divLambda', 'lerpLambda'] as const) {
      if (!(this.o[k] >= 0)) throw new Error(`NavigatorTrainer: ${k} must be ≥ 0, got ${this.o[k]}`);
    }
    if (!(stepMean > 0)) throw new Error(`NavigatorTrainer: stepMean must be positive, got ${stepMean}`);
    this.stepMean = stepMean;
    this.stepStd = opts.stepStd ?? stepMean;
    if (!(this.stepStd >= 0)) throw new Error(`NavigatorTrainer: stepStd must be ≥ 0, got ${this.stepStd}`);
    this.rng = new SeededRandom(this.o.seed);
    this.nextSeed = this.o.seedOffset;
    this.bank = this.variant === 'prototype' ? new PrototypeBank(gen.rt, nav.count, this.o.prototypeRate) : null;
    this.adam = new Adam([...nav.parameters().values()], { lr: this.o.lr, betas: opts.betas ?? [0, 0.99], eps: 1e-8 });
  }

  static async create(gen: LatentGenerator, nav: Navigator, sensor: FeatureSensor, opts: NavigatorTrainerOptions = {}): Promise<NavigatorTrainer> {
    if (nav.wDim !== gen.wDim || nav.numWs !== gen.numWs) {
      throw new Error(`NavigatorTrainer: the navigator is for w_dim ${nav.wDim} × ${nav.numWs} ws, the generator has ${gen.wDim} × ${gen.numWs}`);
    }
    let stepMean = opts.stepMean ?? 'auto';
    if (stepMean === 'auto') {
      stepMean = await typicalWDeviation(gen, opts.seedOffset ?? 1_000_000);
    }
    return new NavigatorTrainer(gen, nav, sensor, opts, stepMean);
  }

  /** One optimisation step; returns the loss and its parts (read back once). */
  async step(): Promise<NavigatorStepResult> {
    const { rt } = this.gen;
    const P = this.o.pairs;
    const K = this.nav.count;
    const seeds1 = seedRange(this.nextSeed, P);
    const seeds2 = seedRange(this.nextSeed + P, P);
    this.nextSeed += 2 * P;
    const ks: Array<[number, number]> = Array.from({ length: P }, () => this.rng.distinctPair(K));
    const sigmas = Float32Array.from({ length: P }, () => (this.stepStd > 0 ? Math.abs(this.stepMean + this.stepStd * this.rng.normal()) : this.stepMean));
    const onehot = (which: 0 | 1) => {
      const a = new Float32Array(P * K);
      ks.forEach((pair, i) => (a[i * K + pair[which]] = 1));
      return rt.tensor(a, [P, K]);
    };

    const parts = rt.tidy(() => {
      const w1 = this.gen.sampleW(seeds1);
      const w2 = this.gen.sampleW(seeds2);
      const ohPos = onehot(0);
      const ohNeg = onehot(1);
      const sigma = rt.tensor(sigmas, [P]);
      const { wDim, numWs } = this.gen;
      const plain = (w: Tensor) => expand(reshape(w, [P, 1, wDim]), [P, numWs, wDim]);
      const ws = concat(
        [
          plain(w1),
          plain(w2),
          editW(w1, this.nav.selectedOffsets(w1, ohPos), sigma),
          editW(w2, this.nav.selectedOffsets(w2, ohPos), sigma),
          editW(w2, this.nav.selectedOffsets(w2, ohNeg), sigma),
        ],
        0,
      );
      const feats = this.sensor.features(this.gen.synthesize(ws));
      if (feats.length === 0) throw new Error(`NavigatorTrainer: sensor '${this.sensor.name}' returned no feature maps`);
      const part = (f: Tensor, i: number) => slice(f, [[i * P, (i + 1) * P]]);
      const dq = feats.map((f) => sub(part(f, 2), part(f, 0)));
      const dpos = feats.map((f) => sub(part(f, 3), part(f, 1)));
      const dneg = feats.map((f) => sub(part(f, 4), part(f, 1)));
      const positives = this.bank ? feats.map((f, l) => this.bank!.select(l, f.shape.slice(1), ohPos)) : dpos;
      const c = contrastiveLoss({ q: dq, pos: positives, neg: dneg }, { pos: this.o.posLambda, neg: this.o.negLambda });
      let loss = c.loss;
      let lerp = rt.tensor([0], []);
      if (this.bank && this.o.lerpLambda > 0) {
        const terms = feats.flatMap((f, l) => {
          const shape = f.shape.slice(1);
          const pp = this.bank!.select(l, shape, ohPos);
          return [this.bank!.lerpLoss(dq[l], pp), this.bank!.lerpLoss(dpos[l], pp), this.bank!.lerpLoss(dneg[l], this.bank!.select(l, shape, ohNeg))];
        });
        lerp = terms.reduce((a, b) => add(a, b));
        loss = add(loss, mulScalar(lerp, this.o.lerpLambda));
      }
      let div = rt.tensor([0], []);
      if (this.o.divLambda > 0) {
        div = this.nav.diversity(w1);
        loss = add(loss, mulScalar(reshape(div, []), this.o.divLambda));
      }
      backward(loss);
      this.adam.step();
      this.adam.zeroGrad();
      this.nav.renormalize();
      if (this.bank) this.bank.update(feats.map((_, l) => [dq[l], dpos[l], dneg[l]]), [ohPos, ohPos, ohNeg], [ks.map((k) => k[0]), ks.map((k) => k[0]), ks.map((k) => k[1])]);
      return rt.keep(concat([loss, c.pos, c.neg, div, lerp].map((t) => reshape(t, [1])), 0));
    });
    let values: Float32Array;
    try {
      values = (await parts.read()) as Float32Array;
    } finally {
      parts.dispose();
    }
    this.steps++;
    const [loss, pos, neg, div, lerp] = values;
    if (!Number.isFinite(loss)) throw new Error(`NavigatorTrainer: the loss became ${loss} at step ${this.steps} (pos ${pos}, neg ${neg}); lower the learning rate or the step scale`);
    return { step: this.steps, loss, pos, neg, div, lerp };
  }

  /** Runs `steps` steps, calling back after each. */
  async train(steps: number, onStep?: (r: NavigatorStepResult) => void): Promise<NavigatorStepResult[]> {
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`NavigatorTrainer.train: steps must be a non-negative integer, got ${steps}`);
    const out: NavigatorStepResult[] = [];
    for (let i = 0; i < steps; i++) {
      const r = await this.step();
      out.push(r);
      onStep?.(r);
    }
    return out;
  }

  dispose(): void {
    this.adam.dispose();
    this.bank?.dispose();
  }
}

/** RMS distance of w from its mean over 256 samples. */
export async function typicalWDeviation(gen: LatentGenerator, seedOffset: number): Promise<number> {
  const n = 256;
  const w = await sampleWHost(gen, seedRange(seedOffset + 50_000_000, n));
  const D = gen.wDim;
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mean[j] += w[i * D + j] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) ss += (w[i * D + j] - mean[j]) ** 2;
  return Math.sqrt(ss / n);
}

/**
 * One StyleGAN2 training iteration as NVIDIA's stylegan2-ada-pytorch runs it (`training_loop.py`
 * with `StyleGAN2Loss`, no augmentation, unconditional, one GPU, batch_gpu = batch):
 *
 *   Gmain  every step      z → G (style mixing, random noise) → D → softplus(−logits) → Adam(G)
 *   Greg   every 4 steps   path-length regularisation (only with plWeight > 0; see below)
 *   Dmain  every step      softplus(D(G(z))) and softplus(−D(x)), two backward passes → Adam(D)
 *   Dreg   every 16 steps  R1: γ/2 · ‖∂D(x)/∂x‖², loss × 16 (lazy) → Adam(D)
 *   then   G_ema ← lerp(G, G_ema, β); buffers copied; nimg += batch
 *
 * Each phase draws its own z (NVIDIA draws one chunk of z per phase per iteration); the phase's
 * network alone is trainable while it runs. D is lazily regularised (interval 16, so its Adam runs
 * at lr·16/17 and β^(16/17)); G is too when path length is on (interval 4), otherwise it is
 * "Gboth" with its hyper-parameters as given, as NVIDIA's stylegan3 train.py does for configs
 * without path length. Every mapping call of a phase but the mixing one updates w_avg
 * (w_avg ← lerp(mean w, w_avg, 0.995)), as the mapping network does in training mode.
 *
 * Randomness: every draw is a function of (seed, step, stream) (step-random.ts), so a snapshot of
 * the weights, the Adam moments and the counters resumes bit for bit.
 *
 * Differences from NVIDIA, on purpose: fp32 throughout (NVIDIA runs the top 4 resolutions in
 * fp16); non-finite gradients are not zeroed (`nan_to_num`) — a non-finite loss stops the run
 * instead, naming the step; no ADA augmentation; no path length (needs the gradient of the
 * synthesis with respect to ws with createGraph, and modulatedConv2d has no double backward).
 */
import type { HostTensor } from '@stylegpu/io';
import {
  type Adam,
  type Runtime,
  type Tensor,
  backward,
  lerp,
  mean,
  mulScalar,
  randomNormal,
  reshape,
  zeros,
  slice,
} from '@stylegpu/kernels';
import { Discriminator } from '../model/discriminator.js';
import { Generator } from '../model/generator.js';
import { emaBeta, updateEma } from './ema.js';
import { initDiscriminatorWeights, initGeneratorWeights } from './init-weights.js';
import { lazyRegularizedAdam } from './lazy-adam.js';
import { r1Penalty } from './r1.js';
import { discriminatorFakeLoss, discriminatorRealLoss, generatorLoss } from './losses.js';
import type { NetworkConfigs } from './network-config.js';
import { generatorTrainables, isGeneratorBuffer } from './parameter-groups.js';
import { STREAM, stepSeed, stepUniform } from './step-random.js';
import { mixStyles, mixingCutoff } from './style-mixing.js';

export interface TrainingOptions {
  /** Images per iteration (`--batch`); a multiple of D's minibatch-std group when larger than it. */
  batch: number;
  /** R1 weight γ (`--gamma`); 0 turns R1 off. */
  gamma: number;
  /** Learning rates of G and D (`--glr`, `--dlr`); NVIDIA's StyleGAN2 configs use 0.0025 (0.002 at 1024). */
  glr: number;
  dlr: number;
  /** Adam betas and eps: (0, 0.99) and 1e-8 in every NVIDIA config. */
  betas: [number, number];
  eps: number;
  /** Half-life of G_ema in thousands of images (`ema_kimg`), and its optional ramp-up. */
  emaKimg: number;
  emaRampup: number | null;
  /** Lazy regularisation intervals (NVIDIA's G_reg_interval, D_reg_interval). */
  gRegInterval: number;
  dRegInterval: number;
  /** Probability of style mixing per iteration (0.9). */
  styleMixingProb: number;
  /** Path-length regularisation weight (NVIDIA 2 in the stylegan2 configs); must be 0 here. */
  plWeight: number;
  plDecay: number;
  plBatchShrink: number;
  /** The run's random seed (`--seed`): initial weights and every draw of every step. */
  seed: number;
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  batch: 32,
  gamma: 10,
  glr: 0.0025,
  dlr: 0.0025,
  betas: [0, 0.99],
  eps: 1e-8,
  emaKimg: 10,
  emaRampup: null,
  gRegInterval: 4,
  dRegInterval: 16,
  styleMixingProb: 0.9,
  plWeight: 0,
  plDecay: 0.01,
  plBatchShrink: 2,
  seed: 0,
};

/** The counters a resume needs besides the tensors. */
export interface TrainingCounters {
  /** Iterations done (NVIDIA's batch_idx). */
  step: number;
  /** Real images shown so far (NVIDIA's cur_nimg). */
  nimg: number;
  /** The path-length running mean (pl_mean). */
  plMean: number;
}

/** R1 penalty: per image ‖∂ΣD(x)/∂x‖² ([N] or [N, 1]) — differentiable in D's parameters. */
export type R1PenaltyFn = (D: Discriminator, reals: Tensor) => Tensor;

export interface StepStats {
  step: number;
  nimg: number;
  /** Gmain loss, mean softplus(−D(G(z))). */
  lossG: number;
  /** Dmain loss, both terms. */
  lossD: number;
  lossDfake: number;
  lossDreal: number;
  /** Mean R1 penalty ‖∇D‖², when Dreg ran this step. */
  r1Penalty: number | null;
}

/** The random inputs of one phase's generator forward. */
export interface PhaseDraws {
  /** Latents [batch, zDim]. */
  z: Tensor;
  /** First layer taken from `zMix` (numWs: no mixing). */
  mixCutoff: number;
  zMix: Tensor | null;
  /** 'random' in training; 'const' lets a reference reproduce a step exactly. */
  noiseMode: 'random' | 'const';
  noiseSeed: number;
}

export type PhaseName = 'Gmain' | 'Dmain';

export interface TrainerExtras {
  /** Replaces the R1 implementation (default: `r1Penalty` of r1.ts). */
  r1Penalty?: R1PenaltyFn;
  /**
   * Replaces the draws of a phase (default: `defaultDraws`, from the seed and the step): replays
   * recorded randomness, e.g. to compare a step with a reference implementation.
   */
  draws?: (phase: PhaseName, step: number) => PhaseDraws;
}

interface Networks {
  G: Generator;
  D: Discriminator;
  Gema: Generator;
}

export interface OptimizerHostState {
  /** Per parameter name: Adam's step count and moments. */
  params: Map<string, { step: number; m: HostTensor; v: HostTensor }>;
}

/** Everything a snapshot holds, on the CPU. */
export interface TrainerHostState {
  configs: NetworkConfigs;
  options: TrainingOptions;
  counters: TrainingCounters;
  G: Map<string, HostTensor>;
  D: Map<string, HostTensor>;
  Gema: Map<string, HostTensor>;
  optG: OptimizerHostState;
  optD: OptimizerHostState;
}

const WHO = 'StyleGan2Trainer';

export function checkTrainingOptions(o: TrainingOptions, configs: NetworkConfigs): void {
  const bad = (why: string): never => {
    throw new Error(`${WHO}: ${why}`);
  };
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) bad(`${what} must be a positive integer, got ${v}`);
  };
  posInt(o.batch, 'batch (--batch)');
  const group = Math.min(configs.discriminator.mbstdGroupSize, o.batch);
  if (o.batch % group !== 0) {
    bad(`batch ${o.batch} is not a multiple of the minibatch-std group ${group} (--mbstd-group ${configs.discriminator.mbstdGroupSize}); pick a multiple of it`);
  }
  if (!(o.gamma >= 0) || !Number.isFinite(o.gamma)) bad(`R1 gamma (--gamma) must be a finite number ≥ 0, got ${o.gamma}`);
  for (const [v, what] of [[o.glr, 'G learning rate (--glr)'], [o.dlr, 'D learning rate (--dlr)']] as const) {
    if (!(v > 0) || !Number.isFinite(v)) bad(`${what} must be a positive number, got ${v}`);
  }
  if (!(o.emaKimg >= 0) || !Number.isFinite(o.emaKimg)) bad(`ema kimg must be ≥ 0, got ${o.emaKimg}`);
  if (o.emaRampup !== null && !(o.emaRampup > 0)) bad(`ema ramp-up must be positive or null, got ${o.emaRampup}`);
  posInt(o.gRegInterval, 'G regularisation interval');
  posInt(o.dRegInterval, 'D regularisation interval');
  if (!(o.styleMixingProb >= 0 && o.styleMixingProb <= 1)) bad(`style-mixing probability must be in [0, 1], got ${o.styleMixingProb}`);
  if (o.plWeight !== 0) {
    bad(
      `path-length regularisation (plWeight ${o.plWeight}) is not available: it needs the gradient of the synthesis ` +
        'with respect to ws with createGraph, and modulatedConv2d\'s backward is not differentiable yet (its GradNode is not higherOrder); use plWeight 0',
    );
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad(`seed (--seed) must be an integer in [0, 2^32), got ${o.seed}`);
}

export class StyleGan2Trainer {
  readonly G: Generator;
  readonly D: Discriminator;
  readonly Gema: Generator;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly counters: TrainingCounters;
  private readonly r1: R1PenaltyFn;
  private readonly draws: ((phase: PhaseName, step: number) => PhaseDraws) | null;

  private constructor(
    readonly rt: Runtime,
    readonly configs: NetworkConfigs,
    readonly options: TrainingOptions,
    nets: Networks,
    counters: TrainingCounters,
    extras: TrainerExtras,
  ) {
    this.G = nets.G;
    this.D = nets.D;
    this.Gema = nets.Gema;
    this.counters = { ...counters };
    this.r1 = extras.r1Penalty ?? ((D, reals) => r1Penalty(D, reals));
    this.draws = extras.draws ?? null;
    for (const net of [this.G, this.Gema]) net.setTrainable(() => false);
    this.D.setTrainable(() => false);
    const hyper = (lr: number) => ({ lr, betas: options.betas, eps: options.eps });
    this.optG = lazyRegularizedAdam(generatorTrainables(this.G).map(([, t]) => t), hyper(options.glr), this.gLazy ? options.gRegInterval : null);
    this.optD = lazyRegularizedAdam(this.D.parameters(), hyper(options.dlr), options.dRegInterval);
  }

  /** Whether G is lazily regularised (only with path length, as in NVIDIA's configs). */
  private get gLazy(): boolean {
    return this.options.plWeight > 0;
  }

  /** A new run: G and D initialised from the seed as NVIDIA initialises them, G_ema = G. */
  static create(rt: Runtime, configs: NetworkConfigs, options: Partial<TrainingOptions> = {}, extras: TrainerExtras = {}): StyleGan2Trainer {
    const o: TrainingOptions = { ...DEFAULT_TRAINING_OPTIONS, ...options };
    checkTrainingOptions(o, configs);
    // Distinct streams for G and D, both fixed by the run seed.
    const gWeights = initGeneratorWeights(configs.generator, o.seed);
    const dWeights = initDiscriminatorWeights(configs.discriminator, (o.seed + 0x9e3779b9) >>> 0);
    return StyleGan2Trainer.fromWeights(rt, configs, o, { G: gWeights, D: dWeights, Gema: gWeights }, { step: 0, nimg: 0, plMean: 0 }, extras);
  }

  /** Resumes from a snapshot's host state (weights, EMA, Adam moments, counters); bit-exact. */
  static fromHostState(rt: Runtime, s: TrainerHostState, extras: TrainerExtras = {}): StyleGan2Trainer {
    checkTrainingOptions(s.options, s.configs);
    const t = StyleGan2Trainer.fromWeights(rt, s.configs, s.options, { G: s.G, D: s.D, Gema: s.Gema }, s.counters, extras);
    try {
      t.loadOptimizer('G', t.optG, new Map(generatorTrainables(t.G)), s.optG);
      t.loadOptimizer('D', t.optD, t.D.params, s.optD);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  private static fromWeights(
    rt: Runtime,
    configs: NetworkConfigs,
    o: TrainingOptions,
    w: { G: ReadonlyMap<string, HostTensor>; D: ReadonlyMap<string, HostTensor>; Gema: ReadonlyMap<string, HostTensor> },
    counters: TrainingCounters,
    extras: TrainerExtras,
  ): StyleGan2Trainer {
    const made: Array<{ dispose(): void }> = [];
    try {
      const G = Generator.fromWeights(rt, configs.generator, w.G);
      made.push(G);
      const D = Discriminator.fromWeights(rt, configs.discriminator, w.D);
      made.push(D);
      const Gema = Generator.fromWeights(rt, configs.generator, w.Gema);
      made.push(Gema);
      return new StyleGan2Trainer(rt, configs, o, { G, D, Gema }, counters, extras);
    } catch (e) {
      for (const m of made) m.dispose();
      throw e;
    }
  }

  private loadOptimizer(which: string, opt: Adam, params: ReadonlyMap<string, Tensor>, s: OptimizerHostState): void {
    for (const [name, st] of s.params) {
      const p = params.get(name);
      if (!p) throw new Error(`${WHO}: the ${which} optimiser state names '${name}', which the ${which} network does not train`);
      this.rt.tidy(() => opt.loadState(p, { step: st.step, m: this.rt.tensor(st.m.data as Float32Array, st.m.shape), v: this.rt.tensor(st.v.data as Float32Array, st.v.shape) }));
    }
  }

  /** The phases NVIDIA would run at iteration `step`, in order. */
  phasesAt(step: number): string[] {
    const o = this.options;
    const out: string[] = [this.gLazy ? 'Gmain' : 'Gboth'];
    if (this.gLazy && step % o.gRegInterval === 0) out.push('Greg');
    out.push('Dmain');
    if (o.gamma > 0 && step % o.dRegInterval === 0) out.push('Dreg');
    return out;
  }

  /**
   * One iteration on a batch of real images [batch, C, R, R] in [−1, 1] (the caller's tensor).
   * Throws, naming the step, when a loss is not finite.
   */
  async step(reals: Tensor): Promise<StepStats> {
    const { G, D, rt, options: o } = this;
    const { imgChannels: C, imgResolution: R } = this.configs.discriminator;
    if (reals.rank !== 4 || reals.shape[0] !== o.batch || reals.shape[1] !== C || reals.shape[2] !== R || reals.shape[3] !== R) {
      throw new Error(`${WHO}: reals must be [${o.batch}, ${C}, ${R}, ${R}] (batch, channels, resolution), got [${reals.shape.join(', ')}]`);
    }
    const step = this.counters.step;
    const phases = this.phasesAt(step);
    const losses: Record<string, Tensor> = {};
    try {
      // G: Gmain (or Gboth without lazy regularisation).
      this.optG.zeroGrad();
      G.setTrainable((n) => !isGeneratorBuffer(n));
      losses.G = rt.tidy(() => {
        const fake = this.runG('Gmain');
        const loss = generatorLoss(D.forward(fake));
        backward(loss);
        return loss;
      });
      this.optG.step();
      this.optG.zeroGrad();
      G.setTrainable(() => false);

      // D: Dmain — generated images, then real ones, each through D on its own.
      this.optD.zeroGrad();
      D.setTrainable(() => true);
      [losses.Dfake, losses.Dreal] = rt.tidy(() => {
        const fake = rt.noGrad(() => this.runG('Dmain'));
        const lossFake = discriminatorFakeLoss(D.forward(fake));
        backward(lossFake);
        const lossReal = discriminatorRealLoss(D.forward(reals));
        backward(lossReal);
        return [lossFake, lossReal];
      });
      this.optD.step();
      this.optD.zeroGrad();

      // D: Dreg — R1 on the same reals, weighted by γ/2 and by the interval (lazy regularisation).
      if (phases.includes('Dreg')) {
        losses.r1 = rt.tidy(() => {
          const penalty = this.r1(D, reals);
          const meanPenalty = mean(penalty);
          backward(mulScalar(meanPenalty, (o.gamma / 2) * o.dRegInterval));
          return meanPenalty;
        });
        // NVIDIA backpropagates real_logits·0 + the penalty, so every D parameter has a gradient
        // (zero for those the input gradient does not depend on, e.g. b4.out.bias, and those that only
        // reach it through lrelu's flat derivative) and Adam steps them all: their step counts and
        // second moments move as torch's do.
        for (const p of D.parameters()) if (!p.grad) p.grad = rt.keep(zeros(rt, p.shape));
        this.optD.step();
        this.optD.zeroGrad();
      }
      D.setTrainable(() => false);

      updateEma(this.Gema, G, emaBeta(o.batch, o.emaKimg, this.counters.nimg, o.emaRampup));
      this.counters.nimg += o.batch;
      this.counters.step += 1;

      const value = async (t: Tensor | undefined) => (t ? (await t.read())[0] : null);
      const stats: StepStats = {
        step,
        nimg: this.counters.nimg,
        lossG: (await value(losses.G))!,
        lossDfake: (await value(losses.Dfake))!,
        lossDreal: (await value(losses.Dreal))!,
        lossD: 0,
        r1Penalty: await value(losses.r1),
      };
      stats.lossD = stats.lossDfake + stats.lossDreal;
      const named: Array<[string, number | null]> = [['G loss', stats.lossG], ['D loss on generated images', stats.lossDfake], ['D loss on real images', stats.lossDreal], ['R1 penalty', stats.r1Penalty]];
      for (const [what, v] of named) {
        if (v !== null && !Number.isFinite(v)) {
          throw new Error(`training diverged: the ${what} is ${v} at step ${step} (kimg ${(step * o.batch / 1000).toFixed(3)}); resume from an earlier snapshot with a lower learning rate or a larger --gamma`);
        }
      }
      return stats;
    } finally {
      for (const t of Object.values(losses)) t.dispose();
      G.setTrainable(() => false);
      D.setTrainable(() => false);
    }
  }

  /**
   * The random inputs of a phase at the current step: z from the phase's own stream, the mixing
   * decision and second z, the noise seed — all functions of (seed, step, phase).
   */
  defaultDraws(phase: PhaseName, step: number): PhaseDraws {
    const { rt, options: o } = this;
    const stream = phase === 'Gmain' ? STREAM.zGmain : STREAM.zDmain;
    const { zDim, numWs } = this.configs.generator;
    const n = o.batch;
    const z = randomNormal(rt, [n, zDim], { seed: stepSeed(o.seed, step, stream) });
    const mixCutoff =
      o.styleMixingProb > 0
        ? mixingCutoff(numWs, o.styleMixingProb, stepUniform(o.seed, step, STREAM.mixCutoff, stream), stepUniform(o.seed, step, STREAM.mixApply, stream))
        : numWs;
    const zMix = mixCutoff < numWs ? randomNormal(rt, [n, zDim], { seed: stepSeed(o.seed, step, STREAM.zMix, stream) }) : null;
    return { z, mixCutoff, zMix, noiseMode: 'random', noiseSeed: stepSeed(o.seed, step, STREAM.noise, stream) };
  }

  /** G's forward for a phase: mapping (updating w_avg), style mixing, synthesis with the phase's noise. */
  private runG(phase: PhaseName): Tensor {
    const { G } = this;
    const step = this.counters.step;
    const d = this.draws ? this.draws(phase, step) : this.defaultDraws(phase, step);
    const { zDim, numWs } = this.configs.generator;
    if (d.z.rank !== 2 || d.z.shape[0] !== this.options.batch || d.z.shape[1] !== zDim) {
      throw new Error(`${WHO}: the ${phase} draws give z [${d.z.shape.join(', ')}], expected [${this.options.batch}, ${zDim}]`);
    }
    let ws = G.mapping(d.z);
    this.updateWAvg(ws);
    if (d.mixCutoff < numWs) {
      if (!d.zMix) throw new Error(`${WHO}: the ${phase} draws mix styles at layer ${d.mixCutoff} but give no zMix`);
      ws = mixStyles(ws, G.mapping(d.zMix), d.mixCutoff);
    }
    return G.synthesis(ws, { noiseMode: d.noiseMode, noiseSeed: d.noiseSeed });
  }

  /** w_avg ← lerp(mean over the batch of w, w_avg, β), NVIDIA's MappingNetwork in training mode. */
  private updateWAvg(ws: Tensor): void {
    const beta = this.configs.generator.mapping.wAvgBeta;
    const wAvg = this.G.params.get('mapping.w_avg');
    if (beta === null || !wAvg) return;
    const { rt } = this;
    rt.tidy(() =>
      rt.noGrad(() => {
        const [n, , wDim] = ws.shape;
        const w = reshape(slice(ws, [null, [0, 1]]), [n, wDim]);
        rt.copy(lerp(mean(w, 0), wAvg, rt.tensor([beta], [1])), wAvg);
      }),
    );
  }

  /** Everything a snapshot needs, read back to the CPU. */
  async toHostState(): Promise<TrainerHostState> {
    const read = async (params: Iterable<[string, Tensor]>) => {
      const out = new Map<string, HostTensor>();
      for (const [n, t] of params) out.set(n, await toHostF32(t));
      return out;
    };
    const optState = async (opt: Adam, params: Iterable<[string, Tensor]>): Promise<OptimizerHostState> => {
      const out: OptimizerHostState = { params: new Map() };
      for (const [n, p] of params) {
        const s = opt.stateOf(p);
        if (s) out.params.set(n, { step: s.step, m: await toHostF32(s.m), v: await toHostF32(s.v) });
      }
      return out;
    };
    return {
      configs: this.configs,
      options: { ...this.options },
      counters: { ...this.counters },
      G: await read(this.G.params),
      D: await read(this.D.params),
      Gema: await read(this.Gema.params),
      optG: await optState(this.optG, generatorTrainables(this.G)),
      optD: await optState(this.optD, this.D.params),
    };
  }

  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    this.G.dispose();
    this.D.dispose();
    this.Gema.dispose();
  }
}

async function toHostF32(t: Tensor): Promise<HostTensor> {
  const data = (await t.read()) as Float32Array;
  return { dtype: 'f32', shape: [...t.shape], data };
}

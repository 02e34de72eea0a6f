/**
 * Model suite: StyleGAN2 training throughput (images/s), `StyleGan2Trainer` of `@stylegpu/stylegan`
 * against a PyTorch CPU StyleGAN2 of the same shapes (scripts/torch_stylegan2.py, run by
 * scripts/torch_train.py through peers/torch-train.ts).
 *
 * The recipe is the embedded model's (`stylegpu train --data world:shapes --resolution 32 --gamma 0.0064
 * --batch 32 --cbase 32768 --cmax 32 --map 2 --z-dim 128 --w-dim 128 --ema-kimg 10 --ema-rampup 0.05`):
 * G and D with 32 channels at 4…32 px, skip G, resnet D, minibatch-std group 4, style mixing 0.9,
 * G_ema, Adam (0, 0.99) at lr 0.0025, lazy R1 every 16 D steps.
 *
 * One timed run is a window of 16 consecutive `trainer.step()` calls — one whole lazy-R1 period, so
 * it holds 15 iterations of Gmain + Dmain and one of Gmain + Dmain + Dreg, the mix NVIDIA's loop runs —
 * and images/s = batch × 16 ÷ the median window time. Each step reads its losses back (as `stylegpu
 * train` does). The reals are one fixed batch uploaded once (data loading is left out on both sides).
 * The first window (pipeline compilation) is untimed; then `repeats` windows are timed.
 * Check: every loss finite and R1 run exactly once in the window; G's and D's trainable parameter
 * counts (the Trainer's networks) equal the shape tables' — the PyTorch peer refuses to time networks
 * whose counts differ from these.
 */
import type { Runtime } from '@stylegpu/kernels';
import {
  DEFAULT_TRAINING_OPTIONS,
  type NetworkConfigs,
  type NetworkOptions,
  type StepStats,
  StyleGan2Trainer,
  type TrainingOptions,
  discriminatorShapes,
  generatorShapes,
  generatorTrainables,
  isGeneratorBuffer,
  networkConfig,
} from '@stylegpu/stylegan';
import { poolMetrics, randn } from './model-common.js';
import type { BenchCase, CaseInstance, CheckResult, ModelAnchorWork, RuntimeName, Suite } from './types.js';

const SUITE = 'models-train';

export interface TrainRecipe {
  network: NetworkOptions;
  /** Options given on the command line; the rest are DEFAULT_TRAINING_OPTIONS. */
  training: Partial<TrainingOptions>;
}

/** The embedded model's `stylegpu train` flags (see above). */
export const EMBEDDED_RECIPE: TrainRecipe = {
  network: { resolution: 32, channelBase: 32768, channelMax: 32, mappingLayers: 2, zDim: 128, wDim: 128, mbstdGroup: 4 },
  training: { batch: 32, gamma: 0.0064, emaKimg: 10, emaRampup: 0.05 },
};

export interface ParameterCounts {
  gParams: number;
  dParams: number;
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Trainable elements by the shape tables: G without its buffers (w_avg, noise_const), D whole; FIR filters are constants. */
export function shapeTableCounts(configs: NetworkConfigs): ParameterCounts {
  let gParams = 0;
  for (const [n, s] of generatorShapes(configs.generator)) if (!isGeneratorBuffer(n) && !n.endsWith('resample_filter')) gParams += elements(s);
  let dParams = 0;
  for (const [n, s] of discriminatorShapes(configs.discriminator)) if (!n.endsWith('resample_filter')) dParams += elements(s);
  return { gParams, dParams };
}

/** What the Trainer's optimisers actually train: G's trainables and every D parameter. */
export function trainerCounts(t: StyleGan2Trainer): ParameterCounts {
  return {
    gParams: generatorTrainables(t.G).reduce((a, [, p]) => a + p.size, 0),
    dParams: t.D.parameters().reduce((a, p) => a + p.size, 0),
  };
}

/** The training options the Trainer will run with (its defaults filled in), without building it. */
function trainingOptions(r: TrainRecipe): TrainingOptions {
  return { ...DEFAULT_TRAINING_OPTIONS, ...r.training };
}

export function trainCaseName(r: TrainRecipe): string {
  const configs = networkConfig(r.network);
  const o = trainingOptions(r);
  const ch = [...new Set(Object.values(configs.generator.synthesis.channels))].join('/');
  return `train ${configs.generator.imgResolution}px c${ch} map${configs.generator.mapping.numLayers} b${o.batch} (${o.dRegInterval}-iteration R1 window)`;
}

export function trainCase(r: TrainRecipe, repeats: number): BenchCase {
  const configs = networkConfig(r.network);
  const o = trainingOptions(r);
  const name = trainCaseName(r);
  const counts = shapeTableCounts(configs);
  return {
    suite: SUITE,
    group: name,
    name,
    params: {
      resolution: configs.generator.imgResolution,
      channels: Object.values(configs.generator.synthesis.channels).join('/'),
      zDim: configs.generator.zDim,
      wDim: configs.generator.wDim,
      mappingLayers: configs.generator.mapping.numLayers,
      batch: o.batch,
      iterations: o.dRegInterval,
      gamma: o.gamma,
      styleMixing: o.styleMixingProb,
      ...counts,
    },
    flops: 0,
    bytes: 0,
    repeats,
    setup: ({ rt }) => setupTrain(rt, r, configs),
  };
}

function setupTrain(rt: Runtime, r: TrainRecipe, configs: NetworkConfigs): CaseInstance {
  const trainer = StyleGan2Trainer.create(rt, configs, r.training);
  const { batch, dRegInterval, gamma } = trainer.options;
  const { imgChannels: C, imgResolution: R } = configs.discriminator;
  let reals: ReturnType<Runtime['tensor']> | null = null;
  try {
    const want = shapeTableCounts(configs);
    const got = trainerCounts(trainer);
    if (got.gParams !== want.gParams || got.dParams !== want.dParams) {
      throw new Error(`models-train: the Trainer trains G ${got.gParams} / D ${got.dParams} parameters, the shape tables give ${want.gParams} / ${want.dParams}`);
    }
    // A fixed batch in (−1, 1), the range of training images.
    reals = rt.keep(rt.tensor(randn(batch * C * R * R, 4).map(Math.tanh), [batch, C, R, R]));
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  const x = reals;
  let window: StepStats[] = [];
  let peak: Record<string, number> = {};
  return {
    run() {
      throw new Error('models-train: a training iteration awaits its losses; use runAsync');
    },
    async runAsync() {
      rt.pool.resetPeak();
      window = [];
      for (let i = 0; i < dRegInterval; i++) window.push(await trainer.step(x));
      peak = poolMetrics(rt);
    },
    async check(): Promise<CheckResult> {
      const values = window.flatMap((s) => [s.lossG, s.lossDfake, s.lossDreal, ...(s.r1Penalty === null ? [] : [s.r1Penalty])]);
      const r1Runs = window.filter((s) => s.r1Penalty !== null).length;
      const ok = values.every(Number.isFinite) && r1Runs === (gamma > 0 ? 1 : 0);
      return { ok, maxAbsErr: ok ? 0 : Infinity, tolerance: 0, samples: values.length };
    },
    metrics() {
      const last = window[window.length - 1];
      const r1 = window.find((s) => s.r1Penalty !== null)?.r1Penalty;
      return { ...peak, ...trainerCounts(trainer), lossG: last.lossG, lossD: last.lossD, ...(r1 == null ? {} : { r1 }) };
    },
    dispose() {
      x.dispose();
      trainer.dispose();
    },
  };
}

/**
 * The PyTorch peer's work for a recipe: the same networks and options, one window per repeat; the
 * expected parameter counts travel with it. threads 'default' keeps torch's own thread count,
 * 'all' uses every CPU (dropped by the script when that is the default).
 */
export function trainTorchWork(r: TrainRecipe, repeats: number, threads: 'default' | 'all'): ModelAnchorWork {
  const configs = networkConfig(r.network);
  const o = trainingOptions(r);
  const g = configs.generator;
  return {
    suite: SUITE,
    group: trainCaseName(r),
    kind: 'train',
    flops: 0,
    bytes: 0,
    batch: o.batch,
    resolution: g.imgResolution,
    imgChannels: g.imgChannels,
    channels: { ...g.synthesis.channels },
    zDim: g.zDim,
    wDim: g.wDim,
    mappingLayers: g.mapping.numLayers,
    mbstdGroup: configs.discriminator.mbstdGroupSize,
    mbstdChannels: configs.discriminator.mbstdNumChannels,
    convClamp: g.synthesis.convClamp ?? 0,
    gamma: o.gamma,
    glr: o.glr,
    dlr: o.dlr,
    beta1: o.betas[0],
    beta2: o.betas[1],
    emaKimg: o.emaKimg,
    emaRampup: o.emaRampup ?? 0,
    styleMixing: o.styleMixingProb,
    dRegInterval: o.dRegInterval,
    iterations: o.dRegInterval,
    repeats,
    threads,
    seed: o.seed,
    ...shapeTableCounts(configs),
  };
}

const repeatsFor = (quick: boolean) => (quick ? 1 : 5);

export const trainSuite: Suite = {
  name: SUITE,
  description: "StyleGAN2 training throughput (images/s) of the embedded model's recipe (32 px, 32 channels, batch 32, lazy R1 every 16): stylegpu's Trainer vs a PyTorch CPU StyleGAN2 of the same shapes.",
  cases(runtime: RuntimeName, quick: boolean) {
    if (runtime === 'browser') return { cases: [], skipped: ['training windows are not run in Chromium (SwiftShader: ~10× lavapipe, minutes per iteration)'] };
    return { cases: [trainCase(EMBEDDED_RECIPE, repeatsFor(quick))], skipped: [] };
  },
  torchAnchors(quick: boolean): ModelAnchorWork[] {
    const n = repeatsFor(quick);
    // The all-CPU row is left out of --quick: on a loaded machine OpenMP's spinning threads make it minutes per window.
    return quick ? [trainTorchWork(EMBEDDED_RECIPE, n, 'default')] : [trainTorchWork(EMBEDDED_RECIPE, n, 'default'), trainTorchWork(EMBEDDED_RECIPE, n, 'all')];
  },
};

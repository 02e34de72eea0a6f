/**
 * `stylegpu world predictor train|eval`: the world's factor predictor (@stylegpu/world/predictor).
 *
 *   train  fits a FactorPredictor to a procedural world with PredictorTrainer (Adam), printing
 *          per-factor scores on the test and heldout splits every --eval-every kimg; snapshots
 *          `predictor-state.safetensors` (weights + Adam state, atomic) every --snap kimg and
 *          writes `predictor.safetensors` (FactorPredictor.save) at the end.
 *   eval   compares a generator with the world through the predictor: the predicted factor
 *          distributions of --n G samples and of --n real images, and the Fréchet distance of
 *          their predictor features ("FPD", FID with a feature extractor that knows the world).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { readSafetensors, writeFileAtomic } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { loadWorld, type FactorSchema, type World } from '@stylegpu/world';
import {
  defaultPredictorConfig,
  EMBEDDED_PREDICTORS,
  FactorPredictor,
  frechetDistance,
  loadPredictor,
  PREDICTOR_FORMAT,
  PredictorTrainer,
  resumePredictorTraining,
  savePredictorTrainingState,
  scoreFactors,
  type FactorScore,
  type PredictorRunOptions,
} from '@stylegpu/world/predictor';
import { CliError } from '../cli-error.js';
import { checkOutputFolder, readInput } from '../file-checks.js';
import { progress } from '../progress.js';
import { predictorPath, readStyleGan, reason } from '../read-models.js';
import { nonNegativeIntegerFlag, positiveIntegerFlag, positiveNumberFlag } from './flag-numbers.js';

interface TrainFlags {
  data: string;
  resolution: string;
  kimg: string;
  batch: string;
  outdir: string;
  seed: string;
  lr: string;
  resume?: string;
  evalEvery?: string;
  evalN: string;
  snap?: string;
}

interface EvalFlags {
  predictor: string;
  network: string;
  n: string;
  data: string;
  batch: string;
  seed: string;
  trunc: string;
}

const EVAL_SEED = 0; // the evaluation images: indices 0..n−1 of the test and heldout splits, seed 0

export function worldCommand(): Command {
  const predictor = new Command('predictor').description("The world's factor predictor: train it, or score a generator with it");
  predictor
    .command('train')
    .description('Train a factor predictor on a procedural world (writes predictor.safetensors and predictor-state.safetensors)')
    .requiredOption('--outdir <dir>', 'folder for predictor.safetensors, predictor-state.safetensors and eval.jsonl')
    .option('--data <world>', 'world:shapes or world:faces', 'world:shapes')
    .option('--resolution <n>', 'image size', '32')
    .option('--kimg <n>', 'training length in thousands of images (a resumed run continues to this total)', '100')
    .option('--batch <n>', 'images per step', '32')
    .option('--lr <x>', 'Adam learning rate', '1e-3')
    .option('--seed <n>', 'seed of the weights and the training images', '0')
    .option('--resume <state>', 'continue from a predictor-state.safetensors (its data, resolution, batch, lr and seed are kept)')
    .option('--eval-every <kimg>', 'kimg between evaluation lines (default: a tenth of the run)')
    .option('--eval-n <n>', 'images per split in each evaluation', '256')
    .option('--snap <kimg>', 'kimg between snapshots of predictor-state.safetensors (default: as --eval-every)')
    .action(async (flags: TrainFlags, cmd: Command) => runPredictorTrain(flags, cmd));
  predictor
    .command('eval')
    .description("Factor distributions of a generator's samples vs the world's images, through a predictor, and their FPD")
    .requiredOption('--predictor <file>', `predictor.safetensors, or ${Object.keys(EMBEDDED_PREDICTORS).map((n) => `embedded:${n}`).join(', ')}`)
    .requiredOption('--network <file>', 'StyleGAN2 checkpoint (.pkl, .pt, .safetensors) or embedded:shapes32')
    .option('--n <n>', 'generated images, and real images', '1000')
    .option('--data <world>', 'the world the predictor reads', 'world:shapes')
    .option('--batch <n>', 'images per GPU batch', '32')
    .option('--seed <n>', 'first z seed (z for image i is RandomState(seed + i).randn)', '0')
    .option('--trunc <psi>', 'truncation psi', '1')
    .action(async (flags: EvalFlags) => runPredictorEval(flags));
  return new Command('world').description('Procedural worlds: the factor predictor').addCommand(predictor);
}

// ------------------------------------------------------------------ train

export async function runPredictorTrain(f: TrainFlags, cmd?: Command): Promise<void> {
  const what = 'world predictor train';
  const kimg = positiveNumberFlag(`${what} --kimg`, f.kimg, 'give the training length in thousands of images, for example 200');
  const evalN = positiveIntegerFlag(`${what} --eval-n`, f.evalN, 'give the images per split, for example 256');
  let run: PredictorRunOptions | null = null;
  let resumeBytes: Uint8Array | null = null;
  if (f.resume) {
    const kept = ['data', 'resolution', 'batch', 'lr', 'seed'].filter((k) => cmd?.getOptionValueSource(k) === 'cli');
    if (kept.length) throw new CliError(`${what} --resume`, f.resume, `the run's ${kept.join(', ')} come from the state file`, `drop ${kept.map((k) => `--${k}`).join(', ')}`);
    resumeBytes = await readInput(`${what} --resume`, f.resume);
    const meta = safeMetadata(resumeBytes);
    if (meta?.format !== 'stylegpu-world-predictor-training-state') {
      throw new CliError(`${what} --resume`, f.resume, 'is not a predictor training state', 'give the predictor-state.safetensors of an earlier run');
    }
    run = JSON.parse(meta.run ?? 'null') as PredictorRunOptions;
  } else {
    run = {
      data: f.data,
      resolution: positiveIntegerFlag(`${what} --resolution`, f.resolution, 'give a power of two, for example 32'),
      batch: positiveIntegerFlag(`${what} --batch`, f.batch, 'give the images per step, for example 32'),
      lr: positiveNumberFlag(`${what} --lr`, f.lr, 'give the Adam learning rate, for example 1e-3'),
      seed: nonNegativeIntegerFlag(`${what} --seed`, f.seed, 'give a seed, for example 0'),
    };
  }
  const world = openWorld(`${what} --data`, run.data, run.resolution);
  const totalSteps = Math.ceil((kimg * 1000) / run.batch);
  const everyKimg = f.evalEvery === undefined ? kimg / 10 : positiveNumberFlag(`${what} --eval-every`, f.evalEvery, 'give kimg between evaluations, for example 10');
  const snapKimg = f.snap === undefined ? everyKimg : positiveNumberFlag(`${what} --snap`, f.snap, 'give kimg between snapshots, for example 10');
  const everySteps = Math.max(1, Math.round((everyKimg * 1000) / run.batch));
  const snapSteps = Math.max(1, Math.round((snapKimg * 1000) / run.batch));
  await checkOutputFolder(`${what} --outdir`, f.outdir);

  const rt = await createRuntime();
  let trainer: PredictorTrainer | null = null;
  try {
    let step = 0;
    if (resumeBytes) {
      try {
        ({ trainer, step } = resumePredictorTraining(rt, resumeBytes, f.resume));
      } catch (e) {
        throw new CliError(`${what} --resume`, f.resume!, reason(e), 'give the predictor-state.safetensors of an earlier run');
      }
      if (step >= totalSteps) throw new CliError(`${what} --kimg`, f.kimg, `the state is already at ${(step * run.batch) / 1000} kimg`, 'give a larger total');
    } else {
      trainer = new PredictorTrainer(FactorPredictor.create(rt, defaultPredictorConfig(world.schema, run.resolution), run.seed), { lr: run.lr });
    }
    const { mkdir } = await import('node:fs/promises');
    await mkdir(f.outdir, { recursive: true });
    const evalSets = (['test', 'heldout'] as const).map((split) => ({ split, batch: world.batch([...Array(evalN).keys()], { seed: EVAL_SEED, split }) }));
    const evaluate = async (atStep: number) => {
      const parts: string[] = [];
      const record: Record<string, unknown> = { kimg: (atStep * run.batch) / 1000 };
      for (const { split, batch } of evalSets) {
        const scores = scoreFactors(world.schema, await predictInBatches(rt, trainer!.predictor, batch.pixels, evalN, run.batch), batch.factors);
        record[split] = Object.fromEntries(scores.map((s) => [s.name, scoreValue(s)]));
        parts.push(`${split}: ${scores.map((s) => `${s.name} ${s.kind === 'categorical' ? `acc ${s.accuracy.toFixed(3)}` : `mae ${s.meanAbsoluteError.toFixed(3)}`}`).join(', ')}`);
      }
      const line = `eval ${record.kimg} kimg | ${parts.join(' | ')}`;
      bar.log(line);
      const { appendFile } = await import('node:fs/promises');
      await appendFile(join(f.outdir, 'eval.jsonl'), `${JSON.stringify(record)}\n`);
    };
    const snapshot = async (atStep: number) => writeFileAtomic(join(f.outdir, 'predictor-state.safetensors'), await savePredictorTrainingState(trainer!, run, atStep));

    const bar = trainProgress(totalSteps, step);
    let lossSum = 0;
    let lossCount = 0;
    for (const batch of world.batches({ batchSize: run.batch, seed: run.seed, split: 'train', firstBatch: step, maxBatches: totalSteps - step })) {
      const images = rt.tensor(batch.pixels, [run.batch, 3, run.resolution, run.resolution]);
      try {
        lossSum += await trainer.step(images, batch.factors);
        lossCount++;
      } finally {
        images.dispose();
      }
      step++;
      bar.tick({ loss: (lossSum / lossCount).toFixed(4) });
      if (step % everySteps === 0 || step === totalSteps) {
        await evaluate(step);
        lossSum = lossCount = 0;
      }
      if (step % snapSteps === 0 && step !== totalSteps) await snapshot(step);
    }
    bar.stop();
    await snapshot(step);
    await writeFileAtomic(join(f.outdir, 'predictor.safetensors'), await trainer.predictor.save());
    console.log(`world predictor train: ${step} steps, ${(step * run.batch) / 1000} kimg; wrote ${join(f.outdir, 'predictor.safetensors')} (resume from ${join(f.outdir, 'predictor-state.safetensors')})`);
  } finally {
    if (trainer) {
      trainer.predictor.dispose();
      trainer.dispose();
    }
    rt.destroy();
  }
}

/** A progress bar that can also print lines above itself (stdout when stderr is not a terminal). */
function trainProgress(total: number, start: number) {
  const p = progress('world predictor train', total, start);
  return { tick: p.tick, stop: p.stop, log: (line: string) => console.log(line) };
}

function scoreValue(s: FactorScore): number {
  return s.kind === 'categorical' ? s.accuracy : s.meanAbsoluteError;
}

function safeMetadata(bytes: Uint8Array): Record<string, string> | null {
  try {
    return readSafetensors(bytes).metadata;
  } catch {
    return null;
  }
}

function openWorld(what: string, name: string, resolution: number): World {
  try {
    return loadWorld(name, { resolution });
  } catch (e) {
    throw new CliError(what, name, reason(e), 'give world:shapes or world:faces (and a power-of-two --resolution from 16)');
  }
}

/** Predicted factor vectors of `count` images [count, 3, R, R] in chunks of `batch`. */
async function predictInBatches(rt: Runtime, predictor: FactorPredictor, pixels: Float32Array, count: number, batch: number): Promise<number[][]> {
  const R = predictor.config.resolution;
  const out: number[][] = [];
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    const t = rt.tensor(pixels.subarray(s * 3 * R * R, (s + n) * 3 * R * R), [n, 3, R, R]);
    try {
      out.push(...(await predictor.predictFactors(t)));
    } finally {
      t.dispose();
    }
  }
  return out;
}

// ------------------------------------------------------------------ eval

export async function runPredictorEval(f: EvalFlags): Promise<void> {
  const what = 'world predictor eval';
  const n = positiveIntegerFlag(`${what} --n`, f.n, 'give the number of images, for example 1000');
  if (n < 2) throw new CliError(`${what} --n`, f.n, 'a Fréchet distance needs at least 2 images', 'give --n 2 or more (1000 for a stable FPD)');
  const batch = positiveIntegerFlag(`${what} --batch`, f.batch, 'give the images per GPU batch, for example 32');
  const seed = nonNegativeIntegerFlag(`${what} --seed`, f.seed, 'give the first z seed, for example 0');
  const psi = Number(f.trunc);
  if (f.trunc.trim() === '' || !Number.isFinite(psi)) throw new CliError(`${what} --trunc`, `'${f.trunc}'`, 'not a finite number', 'give the truncation psi, for example 1');
  const predictorBytes = await readInput(`${what} --predictor`, predictorPath(`${what} --predictor`, f.predictor));
  if (safeMetadata(predictorBytes)?.format !== PREDICTOR_FORMAT) {
    throw new CliError(`${what} --predictor`, f.predictor, 'is not a factor predictor file', 'give the predictor.safetensors written by stylegpu world predictor train');
  }
  const ckpt = await readStyleGan(`${what} --network`, f.network);
  const cfg = ckpt.config.generator;
  if (cfg.cDim > 0) throw new CliError(`${what} --network`, f.network, `is conditional (${cfg.cDim} classes)`, 'give an unconditional generator');

  const rt = await createRuntime();
  let predictor: FactorPredictor | null = null;
  let G: Generator | null = null;
  try {
    try {
      predictor = await loadPredictor(rt, predictorBytes);
    } catch (e) {
      throw new CliError(`${what} --predictor`, f.predictor, reason(e), 'give a predictor.safetensors or an embedded predictor name');
    }
    const R = predictor.config.resolution;
    if (cfg.imgResolution !== R || cfg.imgChannels !== 3) {
      throw new CliError(`${what} --network`, f.network, `makes ${cfg.imgChannels}×${cfg.imgResolution}² images but the predictor reads 3×${R}²`, 'give a generator and a predictor of the same resolution');
    }
    const world = openWorld(`${what} --data`, f.data, R);
    if (JSON.stringify(world.schema) !== JSON.stringify(predictor.config.schema)) {
      throw new CliError(`${what} --data`, f.data, "its factors are not the predictor's", 'give the world the predictor was trained on');
    }
    G = Generator.fromWeights(rt, cfg, ckpt.generator);
    const bar = progress('world predictor eval', 2 * Math.ceil(n / batch));
    const real = { factors: [] as number[][], features: new Float32Array(n * predictor.config.featureDim) };
    const fake = { factors: [] as number[][], features: new Float32Array(n * predictor.config.featureDim) };
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const reals = world.batch(Array.from({ length: m }, (_, i) => s + i), { seed: EVAL_SEED, split: 'test' });
      await readThrough(rt, predictor, reals.pixels, m, real, s);
      bar.tick();
      await readThrough(rt, predictor, await generate(rt, G, seed + s, m, psi), m, fake, s);
      bar.tick();
    }
    bar.stop();
    const fpd = frechetDistance(real.features, fake.features, predictor.config.featureDim);
    console.log(distributionTable(world.schema, real.factors, fake.factors, n, f.network));
    console.log(`\nFPD (Fréchet distance of predictor features, ${n} test-split images vs ${n} generated): ${fpd.toFixed(4)}`);
  } finally {
    predictor?.dispose();
    G?.dispose();
    rt.destroy();
  }
}

/** `m` images from seeds seed…seed+m−1 (NVIDIA's z), clamped to [−1, 1] as saved images are. */
async function generate(rt: Runtime, G: Generator, seed: number, m: number, psi: number): Promise<Float32Array> {
  const z = new Float32Array(m * G.config.zDim);
  for (let i = 0; i < m; i++) z.set(Float32Array.from(randomStateRandn(seed + i, G.config.zDim)), i * G.config.zDim);
  const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(z, [m, G.config.zDim]), { truncationPsi: psi }), { noiseMode: 'const' })));
  try {
    return ((await img.read()) as Float32Array).map((v) => Math.min(1, Math.max(-1, v)));
  } finally {
    img.dispose();
  }
}

async function readThrough(rt: Runtime, p: FactorPredictor, pixels: Float32Array, m: number, into: { factors: number[][]; features: Float32Array }, at: number): Promise<void> {
  const R = p.config.resolution;
  const t = rt.tensor(pixels, [m, 3, R, R]);
  try {
    into.factors.push(...(await p.predictFactors(t)));
    into.features.set(await p.predictorFeatures(t), at * p.config.featureDim);
  } finally {
    t.dispose();
  }
}

/** Per factor: class shares (categorical), circular mean ± circular std (hues), mean ± std (others). */
function distributionTable(schema: FactorSchema, real: number[][], fake: number[][], n: number, network: string): string {
  const describe = (rows: number[][], i: number): string => {
    const spec = schema[i];
    const v = rows.map((r) => r[i]);
    if (spec.kind === 'categorical') {
      return spec.classes.map((c, k) => `${c} ${((100 * v.filter((x) => x === k).length) / v.length).toFixed(0)}%`).join(' · ');
    }
    if (spec.circular) {
      const c = v.reduce((a, x) => a + Math.cos(2 * Math.PI * x), 0) / v.length;
      const s = v.reduce((a, x) => a + Math.sin(2 * Math.PI * x), 0) / v.length;
      const mean = ((Math.atan2(s, c) / (2 * Math.PI)) % 1 + 1) % 1;
      const std = Math.sqrt(-2 * Math.log(Math.max(Math.hypot(c, s), 1e-12))) / (2 * Math.PI);
      return `${mean.toFixed(3)} ± ${std.toFixed(3)} (circular)`;
    }
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
    return `${mean.toFixed(3)} ± ${std.toFixed(3)}`;
  };
  const lines = [`| factor | data (${n} test-split images, predicted) | G (${n} samples of ${network}, predicted) |`, '| --- | --- | --- |'];
  schema.forEach((spec, i) => lines.push(`| ${spec.name} | ${describe(real, i)} | ${describe(fake, i)} |`));
  return lines.join('\n');
}


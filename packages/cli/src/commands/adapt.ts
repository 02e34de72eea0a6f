/**
 * `stylegpu adapt nada`: StyleGAN-NADA from the command line, with the official `train.py` flag
 * names (dashes for underscores: `--frozen-gen-ckpt`, `--source-class`, `--auto-layer-k`, …).
 *
 * `--clip-models` takes CLIP checkpoint paths (a file or a Hugging Face folder) or model names
 * (`ViT-B/32`) resolved in a local models folder (`--clip-models-dir`, or $STYLEGPU_MODELS):
 * `ViT-B-32.pt`, `ViT-B-32.safetensors` or a folder `ViT-B-32/`. Nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { createRuntime } from '@stylegpu/kernels';
import { NADA_PHASES, type NadaPhase, runMapper, runNada } from '@stylegpu/adapt/node';
import { progress } from '../progress.js';

interface NadaFlags {
  frozenGenCkpt: string;
  trainGenCkpt?: string;
  sourceClass: string;
  targetClass?: string;
  styleImgDir?: string;
  clipModels: string;
  clipModelWeights?: string;
  clipModelsDir?: string;
  clipVocab?: string;
  iter: string;
  batch: string;
  lr: string;
  autoLayerK: string;
  autoLayerIters: string;
  autoLayerBatch: string;
  phase: string;
  mixing: string;
  outputInterval: string;
  saveInterval: string;
  outputDir: string;
  seed: string;
  nSample: string;
  sampleTruncation: string;
  lambdaDirection: string;
  lambdaGlobal: string;
  resume?: boolean;
  exportRosinality?: boolean;
}

export function adaptCommand(): Command {
  const adapt = new Command('adapt').description('Domain adaptation of a StyleGAN2 generator');
  adapt
    .command('nada')
    .description('StyleGAN-NADA: adapt a generator to a domain described by text (or by a folder of images), guided by CLIP')
    .requiredOption('--frozen-gen-ckpt <path>', 'the source generator (NVIDIA .pkl, rosinality .pt, stylegpu .safetensors)')
    .option('--train-gen-ckpt <path>', 'initial weights of the trained generator (default: the frozen one)')
    .requiredOption('--source-class <text>', 'the source domain, e.g. "photo"')
    .option('--target-class <text>', 'the target domain, e.g. "sketch"')
    .option('--style-img-dir <dir>', 'target images (PNG/JPEG) for image-guided adaptation')
    .requiredOption('--clip-models <list>', 'comma-separated CLIP checkpoints or model names')
    .option('--clip-model-weights <list>', 'comma-separated loss weights, one per CLIP model (default 1 each)')
    .option('--clip-models-dir <dir>', 'where model names are looked up (default $STYLEGPU_MODELS)')
    .option('--clip-vocab <path>', "BPE vocabulary for CLIP files that carry none (default: OpenAI's, shipped with @stylegpu/clip)")
    .option('--iter <n>', 'training iterations', '1000')
    .option('--batch <n>', 'batch size', '2')
    .option('--lr <x>', 'learning rate (Adam runs at lr·4/5 as the official code)', '0.002')
    .option('--auto-layer-k <n>', 'layers trained per step by adaptive selection (0: off)', '0')
    .option('--auto-layer-iters <n>', 'W+ optimisation steps of adaptive selection', '0')
    .option('--auto-layer-batch <n>', 'latents used by adaptive selection', '8')
    .addOption(new Option('--phase <phase>', 'which layers train').choices([...NADA_PHASES]).default('default'))
    .option('--mixing <p>', 'style-mixing probability', '0')
    .option('--output-interval <n>', 'write a sample grid every n steps', '50')
    .option('--save-interval <n>', 'write a checkpoint every n steps (0: at the end)', '0')
    .requiredOption('--output-dir <dir>', 'where samples and checkpoints go')
    .option('--seed <n>', 'random seed', '2')
    .option('--n-sample <n>', 'images per sample grid row', '4')
    .option('--sample-truncation <psi>', 'truncation of the sample grids', '0.7')
    .option('--lambda-direction <x>', 'weight of the directional CLIP loss', '1')
    .option('--lambda-global <x>', 'weight of the global CLIP loss', '0')
    .option('--resume', 'continue from <output-dir>/checkpoint/state.safetensors if it exists')
    .option('--export-rosinality', 'also write each checkpoint in rosinality .pt layout')
    .action(async (flags: NadaFlags) => runNadaCommand(flags));
  adapt
    .command('mapper')
    .description("StyleGAN-NADA's optional second stage: a StyleCLIP latent mapper w + 0.1·M(w) trained on an (adapted) generator for a description")
    .requiredOption('--ckpt <path>', 'the generator whose latents are edited (e.g. a NADA checkpoint)')
    .requiredOption('--description <text>', 'the driving text, e.g. "a sketch with a big smile"')
    .requiredOption('--clip-models <list>', 'comma-separated CLIP checkpoints or model names')
    .option('--clip-model-weights <list>', 'comma-separated loss weights, one per CLIP model (default 1 each)')
    .option('--clip-models-dir <dir>', 'where model names are looked up (default $STYLEGPU_MODELS)')
    .option('--clip-vocab <path>', "BPE vocabulary for CLIP files that carry none (default: OpenAI's, shipped with @stylegpu/clip)")
    .option('--iter <n>', 'training steps', '1000')
    .option('--batch <n>', 'batch size', '2')
    .option('--lr <x>', 'learning rate (Adam; the official code uses Ranger)', '0.5')
    .option('--clip-lambda <x>', 'weight of the CLIP loss', '1')
    .option('--latent-l2-lambda <x>', 'weight of the latent L2 loss', '0.8')
    .option('--norm-lambda <x>', 'weight of the embedding-norm loss', '0.5')
    .option('--no-coarse-mapper', 'leave ws 0–3 unedited')
    .option('--no-medium-mapper', 'leave ws 4–7 unedited')
    .option('--no-fine-mapper', 'leave ws 8+ unedited')
    .requiredOption('--output-dir <dir>', 'where mapper.safetensors and the sample grid go')
    .option('--seed <n>', 'random seed', '0')
    .action(async (f: MapperFlags) => runMapperCommand(f));
  return adapt;
}

interface MapperFlags {
  ckpt: string;
  description: string;
  clipModels: string;
  clipModelWeights?: string;
  clipModelsDir?: string;
  clipVocab?: string;
  iter: string;
  batch: string;
  lr: string;
  clipLambda: string;
  latentL2Lambda: string;
  normLambda: string;
  coarseMapper: boolean;
  mediumMapper: boolean;
  fineMapper: boolean;
  outputDir: string;
  seed: string;
}

async function runMapperCommand(f: MapperFlags): Promise<void> {
  const clipModels = clipSpecs(f.clipModels, f.clipModelWeights, f.clipModelsDir);
  const iterations = num('--iter', f.iter, true);
  const rt = await createRuntime();
  const bar = progress('mapper', iterations);
  try {
    const r = await runMapper(rt, {
      ckpt: f.ckpt,
      description: f.description,
      clipModels,
      clipVocab: f.clipVocab,
      iterations,
      batch: num('--batch', f.batch, true),
      lr: num('--lr', f.lr),
      clipLambda: num('--clip-lambda', f.clipLambda),
      latentL2Lambda: num('--latent-l2-lambda', f.latentL2Lambda),
      normLambda: num('--norm-lambda', f.normLambda),
      noCoarse: !f.coarseMapper,
      noMedium: !f.mediumMapper,
      noFine: !f.fineMapper,
      outputDir: f.outputDir,
      seed: num('--seed', f.seed, true),
      onStep: (s) => bar.tick({ loss: s.loss.toFixed(4) }),
    });
    bar.stop();
    console.log(`adapt mapper: ${r.steps} steps, last loss ${r.lastLoss.toFixed(5)}; weights ${r.weights}`);
  } finally {
    bar.stop();
    rt.destroy();
  }
}

function clipSpecs(list: string, weightList: string | undefined, modelsDir: string | undefined) {
  const specs = list.split(',').map((s) => s.trim()).filter(Boolean);
  const weights = weightList ? weightList.split(',').map((w) => num('--clip-model-weights', w.trim())) : specs.map(() => 1);
  if (weights.length !== specs.length) throw new Error(`adapt: ${specs.length} CLIP models but ${weights.length} --clip-model-weights`);
  return specs.map((s, i) => ({ path: resolveClipModel(s, modelsDir), weight: weights[i] }));
}

function num(flag: string, value: string, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new Error(`adapt: ${flag} '${value}' is not a ${integer ? 'non-negative integer' : 'non-negative number'}`);
  }
  return n;
}

/** A path as given, or a model name looked up in the models folder. */
export function resolveClipModel(spec: string, modelsDir: string | undefined): string {
  if (existsSync(spec)) return spec;
  const dir = modelsDir ?? process.env.STYLEGPU_MODELS;
  const stem = spec.replace(/\//g, '-');
  const tried = dir ? [`${stem}.pt`, `${stem}.safetensors`, stem].map((f) => join(dir, f)) : [];
  const found = tried.find((p) => existsSync(p));
  if (found) return found;
  throw new Error(
    `adapt: unknown CLIP model '${spec}': no such file${dir ? `, and none of ${tried.join(', ')}` : ' (set --clip-models-dir or STYLEGPU_MODELS to look up names)'}. ` +
      'stylegpu downloads nothing: save the weights (OpenAI .pt, or a Hugging Face folder) and point to them.',
  );
}

export async function runNadaCommand(f: NadaFlags): Promise<void> {
  if (!f.targetClass && !f.styleImgDir) throw new Error('adapt nada: give --target-class or --style-img-dir');
  const clipModels = clipSpecs(f.clipModels, f.clipModelWeights, f.clipModelsDir);
  const iterations = num('--iter', f.iter, true);
  const rt = await createRuntime();
  const bar = progress('nada', iterations);
  try {
    const result = await runNada(rt, {
      frozenGenCkpt: f.frozenGenCkpt,
      trainGenCkpt: f.trainGenCkpt,
      sourceClass: f.sourceClass,
      targetClass: f.targetClass,
      styleImgDir: f.styleImgDir,
      clipModels,
      clipVocab: f.clipVocab,
      iterations,
      batch: num('--batch', f.batch, true),
      lr: num('--lr', f.lr),
      autoLayerK: num('--auto-layer-k', f.autoLayerK, true),
      autoLayerIters: num('--auto-layer-iters', f.autoLayerIters, true),
      autoLayerBatch: num('--auto-layer-batch', f.autoLayerBatch, true),
      phase: f.phase as NadaPhase,
      mixing: num('--mixing', f.mixing),
      outputInterval: num('--output-interval', f.outputInterval, true),
      saveInterval: num('--save-interval', f.saveInterval, true),
      outputDir: f.outputDir,
      seed: num('--seed', f.seed, true),
      nSample: num('--n-sample', f.nSample, true),
      sampleTruncation: num('--sample-truncation', f.sampleTruncation),
      lambdaDirection: num('--lambda-direction', f.lambdaDirection),
      lambdaGlobal: num('--lambda-global', f.lambdaGlobal),
      resume: f.resume,
      exportRosinality: f.exportRosinality,
      onStep: (r) => bar.tick({ loss: r.loss.toFixed(4), 'it/s': r.stepsPerSecond.toFixed(2) }),
    });
    bar.stop();
    console.log(`adapt nada: ${result.steps} steps, last loss ${result.lastLoss.toFixed(5)}; checkpoint ${result.checkpoint}`);
  } finally {
    bar.stop();
    rt.destroy();
  }
}

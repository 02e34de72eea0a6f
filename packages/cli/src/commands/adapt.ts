/**
 * `stylegpu adapt nada`: StyleGAN-NADA from the command line, with the official `train.py` flag
 * names (dashes for underscores: `--frozen-gen-ckpt`, `--source-class`, `--auto-layer-k`, …).
 *
 * `--clip-models` takes CLIP checkpoint paths (a file or a Hugging Face folder) or model names
 * (`ViT-B/32`) resolved in a local models folder (`--clip-models-dir`, or $STYLEGPU_MODELS):
 * `ViT-B-32.pt`, `ViT-B-32.safetensors` or a folder `ViT-B-32/`, or the embedded name
 * `embedded:shapes32-clip`. Nothing is downloaded. Each model reads prompts with its own tokenizer: a
 * word-tokenized stylegpu CLIP (embedded, or `x.safetensors` with `x.vocab.json` beside it) its word
 * vocabulary, every other model OpenAI's BPE or `--clip-vocab`. A word model knows only its captions'
 * words, so it needs `--templates` in that vocabulary (NADA's default is the ImageNet list); every
 * prompt is tokenized before the GPU opens, so an unknown word stops the command with its name.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { createRuntime } from '@stylegpu/kernels';
import { isEmbeddedName, wordVocabularyOf } from '@stylegpu/clip/node';
import {
  NADA_PHASES,
  NadaDivergedError,
  type NadaClipData,
  type NadaInputs,
  type NadaPhase,
  type NadaRunOptions,
  readResumeState,
  readStyleImages,
  runMapper,
  nadaPrompts,
  runNada,
} from '@stylegpu/adapt/node';
import { CliError } from '../cli-error.js';
import { checkInput, checkOutputFolder } from '../file-checks.js';
import { progress } from '../progress.js';
import { type ClipAndTokenizer, checkStyleGanFile, clipPath, readClipAndTokenizer, readStyleGan, readVocab, reason } from '../read-models.js';
import { parseTemplatesFlag } from '../templates-flag.js';

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
  templates?: string;
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

export const CLIP_MODELS_HELP = 'comma-separated CLIP checkpoints, model names, or embedded:shapes32-clip';
export const CLIP_VOCAB_HELP =
  "BPE vocabulary for the CLIP files that carry none (default: OpenAI's, shipped with @stylegpu/clip); word-tokenized stylegpu CLIPs always read their own";
export const TEMPLATES_HELP =
  'prompt templates of the text direction, comma-separated with {} for the class ("a {} circle,a {} square"), or a file of one per line ' +
  "(default NADA's ImageNet templates; a word-tokenized CLIP needs templates in its vocabulary)";

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
    .requiredOption('--clip-models <list>', CLIP_MODELS_HELP)
    .option('--clip-model-weights <list>', 'comma-separated loss weights, one per CLIP model (default 1 each)')
    .option('--clip-models-dir <dir>', 'where model names are looked up (default $STYLEGPU_MODELS)')
    .option('--clip-vocab <path>', CLIP_VOCAB_HELP)
    .option('--templates <list|file>', TEMPLATES_HELP)
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
    .requiredOption('--clip-models <list>', CLIP_MODELS_HELP)
    .option('--clip-model-weights <list>', 'comma-separated loss weights, one per CLIP model (default 1 each)')
    .option('--clip-models-dir <dir>', 'where model names are looked up (default $STYLEGPU_MODELS)')
    .option('--clip-vocab <path>', CLIP_VOCAB_HELP)
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
  const W = 'adapt mapper';
  const clipModels = clipSpecs(W, f.clipModels, f.clipModelWeights, f.clipModelsDir);
  const iterations = num(W, '--iter', f.iter, { integer: true, min: 1 });
  const options = {
    ckpt: f.ckpt,
    description: f.description,
    clipModels,
    clipVocab: f.clipVocab,
    iterations,
    batch: num(W, '--batch', f.batch, { integer: true, min: 1 }),
    lr: num(W, '--lr', f.lr, { positive: true }),
    clipLambda: num(W, '--clip-lambda', f.clipLambda),
    latentL2Lambda: num(W, '--latent-l2-lambda', f.latentL2Lambda),
    normLambda: num(W, '--norm-lambda', f.normLambda),
    noCoarse: !f.coarseMapper,
    noMedium: !f.mediumMapper,
    noFine: !f.fineMapper,
    outputDir: f.outputDir,
    seed: num(W, '--seed', f.seed, { integer: true }),
  };
  await checkOutputFolder(`${W} --output-dir`, f.outputDir);
  await checkStyleGanFile(`${W} --ckpt`, f.ckpt);
  if (f.clipVocab !== undefined) await readVocab(`${W} --clip-vocab`, f.clipVocab);
  for (const c of clipModels) {
    if (wordVocabularyOf(c.path) === null) {
      await checkInput(`${W} --clip-models`, c.path, { accept: 'either' });
      continue;
    }
    // A word model is small: read it with its vocabulary now, so a description it cannot read stops here.
    const clip = await readClipAndTokenizer(`${W} --clip-models`, c.path, { flag: `${W} --clip-vocab` });
    checkPrompts(`${W} --clip-models`, c.path, clip, [f.description], 'use words of its vocabulary in --description');
  }
  checkVocabApplies(W, f.clipVocab, clipModels);
  const rt = await createRuntime();
  const bar = progress('mapper', iterations);
  try {
    const r = await runMapper(rt, { ...options, onStep: (s) => bar.tick({ loss: s.loss.toFixed(4) }) });
    bar.stop();
    console.log(`adapt mapper: ${r.steps} steps, last loss ${r.lastLoss.toFixed(5)}; weights ${r.weights}`);
  } finally {
    bar.stop();
    rt.destroy();
  }
}

function clipSpecs(what: string, list: string, weightList: string | undefined, modelsDir: string | undefined) {
  const specs = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!specs.length) throw new CliError(`${what} --clip-models`, `'${list}'`, 'names no model', 'give one or more CLIP checkpoints, comma-separated');
  const weights = weightList ? weightList.split(',').map((w) => num(what, '--clip-model-weights', w.trim())) : specs.map(() => 1);
  if (weights.length !== specs.length) {
    throw new CliError(`${what} --clip-model-weights`, `'${weightList}'`, `${specs.length} CLIP models but ${weights.length} weights`, 'give one weight per model');
  }
  return specs.map((s, i) => ({ path: resolveClipModel(s, modelsDir, what), weight: weights[i] }));
}

interface NumberRule {
  integer?: boolean;
  /** Smallest allowed value (default 0). */
  min?: number;
  max?: number;
  /** Strictly above 0. */
  positive?: boolean;
}

/** A numeric flag, refused unless finite, in range, and representable in float32 (what the GPU gets). */
function num(what: string, flag: string, value: string, rule: NumberRule = {}): number {
  const n = Number(value);
  const min = rule.min ?? 0;
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = rule.positive ? 'above 0' : rule.max !== undefined ? `in [${min}, ${rule.max}]` : min === -Infinity ? '' : `of at least ${min}`;
  const fail = (why: string) => new CliError(`${what} ${flag}`, `'${value}'`, why, `give ${kind}${range ? ` ${range}` : ''}`);
  if (value.trim() === '' || !Number.isFinite(n)) throw fail('not a finite number');
  if (rule.integer && !Number.isInteger(n)) throw fail('not an integer');
  if (n < min || (rule.positive && n <= 0) || (rule.max !== undefined && n > rule.max)) throw fail(`out of range`);
  if (!Number.isFinite(Math.fround(n))) throw fail('too large for float32, the precision the GPU computes in');
  return n;
}

/** A path as given, an embedded name (checked to be there), or a model name looked up in the models folder. */
export function resolveClipModel(spec: string, modelsDir: string | undefined, what = 'adapt', flag = '--clip-models'): string {
  if (isEmbeddedName(spec)) {
    clipPath(`${what} ${flag}`, spec);
    return spec;
  }
  if (existsSync(spec)) return spec;
  const dir = modelsDir ?? process.env.STYLEGPU_MODELS;
  const stem = spec.replace(/\//g, '-');
  const tried = dir ? [`${stem}.pt`, `${stem}.safetensors`, stem].map((f) => join(dir, f)) : [];
  const found = tried.find((p) => existsSync(p));
  if (found) return found;
  throw new CliError(
    `${what} ${flag}`,
    spec,
    `unknown CLIP model: no such file${dir ? `, and none of ${tried.join(', ')}` : ' (set --clip-models-dir or STYLEGPU_MODELS to look up names)'}`,
    'stylegpu downloads nothing: save the weights (OpenAI .pt, or a Hugging Face folder) and point to them',
  );
}

export async function runNadaCommand(f: NadaFlags): Promise<void> {
  const W = 'adapt nada';
  // Flags, paths and every file are read and checked before the GPU is opened or anything is written.
  if (!f.targetClass && !f.styleImgDir) throw new CliError(W, '', 'no target domain given', 'pass --target-class TEXT or --style-img-dir FOLDER');
  const clipModels = clipSpecs(W, f.clipModels, f.clipModelWeights, f.clipModelsDir);
  const iterations = num(W, '--iter', f.iter, { integer: true, min: 1 });
  const options: NadaRunOptions = {
    frozenGenCkpt: f.frozenGenCkpt,
    trainGenCkpt: f.trainGenCkpt,
    sourceClass: f.sourceClass,
    targetClass: f.targetClass,
    styleImgDir: f.styleImgDir,
    clipModels,
    clipVocab: f.clipVocab,
    templates: f.templates !== undefined ? parseTemplatesFlag(`${W} --templates`, f.templates) : undefined,
    iterations,
    batch: num(W, '--batch', f.batch, { integer: true, min: 1 }),
    lr: num(W, '--lr', f.lr, { positive: true }),
    autoLayerK: num(W, '--auto-layer-k', f.autoLayerK, { integer: true }),
    autoLayerIters: num(W, '--auto-layer-iters', f.autoLayerIters, { integer: true }),
    autoLayerBatch: num(W, '--auto-layer-batch', f.autoLayerBatch, { integer: true, min: 1 }),
    phase: f.phase as NadaPhase,
    mixing: num(W, '--mixing', f.mixing, { max: 1 }),
    outputInterval: num(W, '--output-interval', f.outputInterval, { integer: true }),
    saveInterval: num(W, '--save-interval', f.saveInterval, { integer: true }),
    outputDir: f.outputDir,
    seed: num(W, '--seed', f.seed, { integer: true, max: 0xffffffff }),
    nSample: num(W, '--n-sample', f.nSample, { integer: true, min: 1 }),
    sampleTruncation: num(W, '--sample-truncation', f.sampleTruncation, { min: -Infinity }),
    lambdaDirection: num(W, '--lambda-direction', f.lambdaDirection),
    lambdaGlobal: num(W, '--lambda-global', f.lambdaGlobal),
    resume: f.resume,
    exportRosinality: f.exportRosinality,
  };
  await checkOutputFolder(`${W} --output-dir`, f.outputDir);
  const inputs = await readNadaFiles(options);

  const rt = await createRuntime();
  const bar = progress('nada', iterations, Math.min(inputs.resume?.step ?? 0, iterations));
  try {
    const result = await runNada(
      rt,
      { ...options, onStep: (r) => bar.tick({ loss: r.loss.toFixed(4), 'it/s': r.stepsPerSecond.toFixed(2) }) },
      inputs,
    );
    bar.stop();
    if (Number.isNaN(result.lastLoss)) console.log(`adapt nada: the run was already at step ${result.steps} of ${iterations}; checkpoint ${result.checkpoint}`);
    else console.log(`adapt nada: ${result.steps} steps, last loss ${result.lastLoss.toFixed(5)}; checkpoint ${result.checkpoint}`);
  } catch (e) {
    if (e instanceof NadaDivergedError) {
      throw new CliError(W, '', `${e.what}, training stopped`, e.advice ?? 'lower --lr');
    }
    throw e;
  } finally {
    bar.stop();
    rt.destroy();
  }
}

/** adapt's NadaInputs, read with the CLI's checks so each bad file is named with its flag. */
async function readNadaFiles(o: NadaRunOptions): Promise<NadaInputs> {
  const W = 'adapt nada';
  let targetImages = null;
  if (o.styleImgDir) {
    await checkInput(`${W} --style-img-dir`, o.styleImgDir, { accept: 'folder' });
    try {
      targetImages = await readStyleImages(o.styleImgDir);
    } catch (e) {
      throw new CliError(`${W} --style-img-dir`, o.styleImgDir, reason(e).replace(/^nada: (--style-img-dir \S+ )?/, ''), 'give a folder of PNG or JPEG images');
    }
  }
  const frozen = await readStyleGan(`${W} --frozen-gen-ckpt`, o.frozenGenCkpt);
  const train = o.trainGenCkpt ? await readStyleGan(`${W} --train-gen-ckpt`, o.trainGenCkpt) : frozen;
  const [a, b] = [frozen.config.generator, train.config.generator];
  if (a.imgResolution !== b.imgResolution || a.wDim !== b.wDim) {
    throw new CliError(
      `${W} --train-gen-ckpt`,
      o.trainGenCkpt!,
      `is a ${b.imgResolution} px generator with w of ${b.wDim}, but --frozen-gen-ckpt ${o.frozenGenCkpt} is ${a.imgResolution} px with w of ${a.wDim} (the generators have different resolutions)`,
      'give two checkpoints of the same architecture',
    );
  }
  const prompts = nadaPrompts({ ...o, imageGuided: Boolean(targetImages?.length) });
  const clips: NadaClipData[] = [];
  for (const spec of o.clipModels) {
    const word = wordVocabularyOf(spec.path) !== null;
    const clip = await readClipAndTokenizer(`${W} --clip-models`, spec.path, { flag: `${W} --clip-vocab`, path: word ? undefined : o.clipVocab });
    const todo =
      clip.choice.kind !== 'word'
        ? 'shorten --source-class, --target-class or --templates'
        : o.templates
          ? 'use words of its vocabulary in --templates, --source-class and --target-class'
          : `NADA's default templates are ImageNet prompts it cannot read: give --templates in its vocabulary (e.g. "a {} circle")`;
    checkPrompts(`${W} --clip-models`, spec.path, clip, prompts, todo);
    clips.push({ name: basename(spec.path), checkpoint: clip.checkpoint, tokenizer: clip.tokenizer, weight: spec.weight });
  }
  checkVocabApplies(W, o.clipVocab, o.clipModels);
  let resume = null;
  if (o.resume) {
    try {
      resume = await readResumeState(o);
    } catch (e) {
      const file = join(o.outputDir, 'checkpoint', 'state.safetensors');
      const text = reason(e).replace(`nada: ${file}: `, '');
      const cut = text.lastIndexOf('; ');
      throw cut > 0 ? new CliError(`${W} --resume`, file, text.slice(0, cut), text.slice(cut + 2)) : new CliError(`${W} --resume`, file, text, 'delete the checkpoint folder to start over');
    }
  }
  return { frozen, train, clips, targetImages, resume };
}

/** Every prompt a trainer will encode, tokenized now on the CPU: a word a word-level CLIP does not know stops the command here. */
export function checkPrompts(what: string, path: string, clip: ClipAndTokenizer, prompts: readonly string[], todo: string): void {
  try {
    clip.tokenizer.tokenize(prompts, { truncate: true });
  } catch (e) {
    throw new CliError(what, path, `cannot read the prompts (${reason(e)})`, todo);
  }
}

/** `--clip-vocab` is for models without a vocabulary of their own; given when every model has one, it would be silently unused. */
export function checkVocabApplies(what: string, vocab: string | undefined, models: ReadonlyArray<{ path: string }>): void {
  if (vocab !== undefined && models.every((m) => wordVocabularyOf(m.path) !== null)) {
    throw new CliError(`${what} --clip-vocab`, vocab, 'applies to no model: every CLIP given is word-tokenized and reads its own vocabulary', 'leave --clip-vocab out');
  }
}

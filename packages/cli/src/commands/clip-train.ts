/**
 * `stylegpu clip train`: a small CLIP trained from scratch on a procedural world's image–caption
 * pairs with ClipTrainer (@stylegpu/clip), a word-level tokenizer over the world's caption words,
 * and zero-shot accuracy at the end.
 *
 * Writes into --outdir:
 *   clip.safetensors   stylegpu CLIP checkpoint (loadClip / loadClipCheckpoint / --clip of other commands)
 *   clip.vocab.json    its word vocabulary, WordTokenizer.toJSON() (`wordVocabularyFileFor`): ids 0 pad,
 *                      1…W the sorted words, W+1 start, W+2 end of text. Load with WordTokenizer.fromJSON.
 *
 * Zero-shot (world:shapes): object colour (8 hue names) and shape (6), each class an ensemble of
 * prompts "a <colour> <shape>" over the other attribute, scored on the test split and on the
 * heldout split (shape–colour pairs never seen in training).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeFileAtomic } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { ClipTrainer, preprocessGenerated, saveClipCheckpoint, wordVocabularyFileFor, WordTokenizer, zeroShotClassify, type ClipConfig, type ClipModel } from '@stylegpu/clip';
import { HUE_BINS, hueName, loadWorld, SHAPE_NAMES, SHAPES_FACTOR, type World } from '@stylegpu/world';
import { CliError } from '../cli-error.js';
import { checkOutputFolder } from '../file-checks.js';
import { progress } from '../progress.js';
import { reason } from '../read-models.js';
import { nonNegativeIntegerFlag, positiveIntegerFlag, positiveNumberFlag } from './flag-numbers.js';

interface ClipTrainFlags {
  data: string;
  resolution: string;
  kimg: string;
  batch: string;
  outdir: string;
  width: string;
  layers: string;
  heads: string;
  patch?: string;
  embedDim?: string;
  context: string;
  lr: string;
  seed: string;
  evalN: string;
}

const WHAT = 'clip train';
/** Captions per split read to collect the vocabulary (the caption grammar has a few dozen words; every one occurs far more often than this misses). */
const VOCABULARY_SAMPLES = 20_000;

export function clipTrainCommand(): Command {
  return new Command('train')
    .description('Train a small CLIP from scratch on a procedural world (writes clip.safetensors and clip.vocab.json)')
    .requiredOption('--outdir <dir>', 'folder for clip.safetensors and clip.vocab.json')
    .option('--data <world>', 'world:shapes or world:faces (zero-shot scores: world:shapes)', 'world:shapes')
    .option('--resolution <n>', 'image size (also the vision tower input)', '32')
    .option('--kimg <n>', 'training length in thousands of image–caption pairs', '100')
    .option('--batch <n>', 'pairs per step (the contrastive batch)', '64')
    .option('--width <n>', 'width of both towers', '64')
    .option('--layers <n>', 'transformer blocks per tower', '2')
    .option('--heads <n>', 'attention heads per block', '4')
    .option('--patch <n>', 'vision patch size (default resolution / 8)')
    .option('--embed-dim <n>', 'joint embedding width (default --width)')
    .option('--context <n>', 'text context length in tokens', '24')
    .option('--lr <x>', 'Adam learning rate', '1e-3')
    .option('--seed <n>', 'seed of the weights and the training pairs', '0')
    .option('--eval-n <n>', 'images per split for the zero-shot scores', '512')
    .action(async (flags: ClipTrainFlags) => runClipTrain(flags));
}

export async function runClipTrain(f: ClipTrainFlags): Promise<void> {
  const int = (flag: string, text: string, todo: string) => positiveIntegerFlag(`${WHAT} --${flag}`, text, todo);
  const resolution = int('resolution', f.resolution, 'give a power of two, for example 32');
  const kimg = positiveNumberFlag(`${WHAT} --kimg`, f.kimg, 'give the training length in thousands of pairs, for example 200');
  const batch = int('batch', f.batch, 'give the pairs per step, for example 64');
  if (batch < 2) throw new CliError(`${WHAT} --batch`, f.batch, 'a contrastive batch needs at least 2 pairs', 'give 2 or more, for example 64');
  const width = int('width', f.width, 'give the tower width, for example 64');
  const layers = int('layers', f.layers, 'give the blocks per tower, for example 2');
  const heads = int('heads', f.heads, 'give the attention heads, for example 4');
  if (width % heads !== 0) throw new CliError(`${WHAT} --heads`, f.heads, `--width ${width} is not a multiple of it`, 'give a head count that divides the width');
  const patch = f.patch === undefined ? Math.max(1, resolution / 8) : int('patch', f.patch, 'give the patch size, for example 4');
  if (resolution % patch !== 0) throw new CliError(`${WHAT} --patch`, String(patch), `it does not divide --resolution ${resolution}`, 'give a divisor of the resolution');
  const embedDim = f.embedDim === undefined ? width : int('embed-dim', f.embedDim, 'give the embedding width, for example 64');
  const context = int('context', f.context, 'give the context length, for example 24');
  const lr = positiveNumberFlag(`${WHAT} --lr`, f.lr, 'give the Adam learning rate, for example 1e-3');
  const seed = nonNegativeIntegerFlag(`${WHAT} --seed`, f.seed, 'give a seed, for example 0');
  const evalN = int('eval-n', f.evalN, 'give the images per split, for example 512');
  let world: World;
  try {
    world = loadWorld(f.data, { resolution });
  } catch (e) {
    throw new CliError(`${WHAT} --data`, f.data, reason(e), 'give world:shapes or world:faces (and a power-of-two --resolution from 16)');
  }
  await checkOutputFolder(`${WHAT} --outdir`, f.outdir);

  const tasks = zeroShotTasks(world);
  const tokenizer = WordTokenizer.fromTexts([...worldCaptions(world), ...tasks.flatMap((t) => t.prompts.flat())]);
  const tower = { width, layers, heads, mlpWidth: 4 * width, activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  const config: ClipConfig = {
    embedDim,
    vision: { ...tower, patchSize: patch, imageSize: resolution },
    text: { ...tower, contextLength: context, vocabSize: tokenizer.vocabularySize },
  };
  const steps = Math.ceil((kimg * 1000) / batch);

  const rt = await createRuntime();
  let trainer: ClipTrainer | null = null;
  try {
    try {
      trainer = ClipTrainer.create(rt, config, { seed, lr });
    } catch (e) {
      throw new CliError(WHAT, '', `the model flags do not make a CLIP (${reason(e)})`, 'check --width, --layers, --heads, --patch, --embed-dim and --context');
    }
    const bar = progress('clip train', steps);
    for (const b of world.batches({ batchSize: batch, seed, split: 'train', maxBatches: steps })) {
      const tokens = tokenizer.tokenize(b.captions, { contextLength: context });
      const images = rt.tensor(b.pixels, [batch, 3, resolution, resolution]);
      const pixels = rt.tidy(() => preprocessGenerated(images, { size: resolution }));
      try {
        const { loss, logitScale } = await trainer.step(pixels, tokens);
        bar.tick({ loss: loss.toFixed(4), scale: logitScale.toFixed(1) });
      } finally {
        images.dispose();
        pixels.dispose();
      }
    }
    bar.stop();
    await mkdir(f.outdir, { recursive: true });
    const weightsFile = join(f.outdir, 'clip.safetensors');
    const vocabularyFile = wordVocabularyFileFor(weightsFile);
    await writeFileAtomic(vocabularyFile, new TextEncoder().encode(`${JSON.stringify(tokenizer.toJSON())}\n`));
    await writeFileAtomic(weightsFile, saveClipCheckpoint(await trainer.checkpoint()));
    console.log(`clip train: ${steps} steps, ${(steps * batch) / 1000} kimg; wrote ${weightsFile} and ${vocabularyFile} (${tokenizer.words.length} words)`);
    if (tasks.length === 0) console.log(`clip train: no zero-shot tasks are defined for ${world.id}`);
    for (const task of tasks) {
      const scores: string[] = [];
      for (const split of ['test', 'heldout'] as const) {
        const accuracy = await zeroShot(rt, trainer.model, world, split, evalN, task, tokenizer, context, batch);
        scores.push(`${split} ${(100 * accuracy).toFixed(1)}%`);
      }
      console.log(`zero-shot ${task.name} (${task.classes.length} classes, chance ${(100 / task.classes.length).toFixed(1)}%): ${scores.join(', ')}`);
    }
  } finally {
    trainer?.dispose();
    rt.destroy();
  }
}

interface ZeroShotTask {
  name: string;
  classes: readonly string[];
  /** prompts[k]: the prompts of class k (the same count for every class). */
  prompts: string[][];
  label(factors: ArrayLike<number>): number;
}

/** world:shapes: object colour and shape, each prompt naming both (as the captions do). */
function zeroShotTasks(world: World): ZeroShotTask[] {
  if (world.id !== 'world:shapes') return [];
  const colours: string[] = HUE_BINS.map((b) => b.name);
  return [
    { name: 'colour', classes: colours, prompts: colours.map((c) => SHAPE_NAMES.map((s) => `a ${c} ${s}`)), label: (f) => colours.indexOf(hueName(f[SHAPES_FACTOR.hue])) },
    { name: 'shape', classes: SHAPE_NAMES, prompts: SHAPE_NAMES.map((s) => colours.map((c) => `a ${c} ${s}`)), label: (f) => f[SHAPES_FACTOR.shape] },
  ];
}

/** Captions of the first VOCABULARY_SAMPLES indices of every split (factors and caption only, nothing rendered). */
function* worldCaptions(world: World): Generator<string> {
  for (const split of ['train', 'test', 'heldout'] as const) {
    for (let i = 0; i < VOCABULARY_SAMPLES; i++) yield world.sampleCaption(i, world.sampleFactors(i, { split }), { split });
  }
}

async function zeroShot(rt: Runtime, model: ClipModel, world: World, split: 'test' | 'heldout', n: number, task: ZeroShotTask, tokenizer: WordTokenizer, context: number, batch: number): Promise<number> {
  const classTokens = tokenizer.tokenize(task.prompts.flat(), { contextLength: context });
  const R = world.resolution;
  let right = 0;
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const b = world.batch(Array.from({ length: m }, (_, i) => s + i), { seed: 0, split });
    const labels = Array.from({ length: m }, (_, i) => task.label(b.factors.subarray(i * world.factorCount, (i + 1) * world.factorCount)));
    const images = rt.tensor(b.pixels, [m, 3, R, R]);
    const pixels = rt.tidy(() => preprocessGenerated(images, { size: R }));
    try {
      right += (await zeroShotClassify(model, pixels, classTokens, labels, task.prompts[0].length)).accuracy * m;
    } finally {
      images.dispose();
      pixels.dispose();
    }
  }
  return right / n;
}

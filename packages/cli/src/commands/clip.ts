/**
 * `stylegpu clip score` and `stylegpu clip encode`: CLIP on the GPU from the command line.
 *
 *   score   softmax over the prompts of each image's logits (CLIP's zero-shot example:
 *           `logits_per_image.softmax(dim=-1)`), printed per image, best first.
 *   encode  projected embeddings (encode_image / encode_text, not normalised unless --normalize)
 *           of the prompts or the images, written as a float32 [N, embed] .npy.
 *
 * Images: PNG or JPEG (converted to RGB as CLIP's `image.convert("RGB")` does: grey is replicated,
 * alpha dropped), or .npy float arrays in [0, 1] as HWC [H, W, 3] or NCHW [N, 3, H, W]; each goes
 * through `preprocessImage` (antialiased bicubic, centre crop, CLIP's normalisation).
 * Every input is read and checked before the GPU work starts, and the output is written once,
 * atomically, at the end: an error leaves no file behind.
 */
import { extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ClipModel, preprocessImage } from '@stylegpu/clip/node';
import {
  decodeImage,
  readNpy,
  toFloat32,
  writeFileAtomic,
  writeNpy,
} from '@stylegpu/io';
import {
  concat,
  createRuntime,
  l2Normalize,
  softmax,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';
import { CliError, fsReason, oneLine } from '../cli-error.js';
import { checkOutputFile, readInput } from '../file-checks.js';
import { type ClipCheckpointData, readClipAndTokenizer } from '../read-models.js';
import { describeKind, sniffKind } from '../sniff.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer.');
  return n;
}

interface ModelOptions {
  model: string;
  vocab?: string;
  visionHeads?: number;
  textHeads?: number;
}

/** An image as float pixels in [0, 1], NCHW. */
interface HostImage {
  file: string;
  shape: [number, number, number, number];
  data: Float32Array;
}

// -------------------------------------------------------------------------------- inputs

const IMAGE_TODO = 'give a PNG or JPEG image, or a float .npy in [0, 1] as HWC [H, W, 3] or NCHW [N, 3, H, W]';

async function readImage(what: string, file: string): Promise<HostImage> {
  const bytes = await readInput(what, file);
  const kind = sniffKind(bytes);
  if (kind === 'npy') return npyImage(what, file, bytes);
  if (kind !== 'png' && kind !== 'jpeg') throw new CliError(what, file, `holds ${describeKind(kind)}, not a PNG or JPEG image`, IMAGE_TODO);
  let raster;
  try {
    raster = decodeImage(bytes, { channels: 3 });
  } catch (e) {
    throw new CliError(what, file, `cannot decode the ${kind === 'png' ? 'PNG' : 'JPEG'} image (${oneLine((e as Error).message)})`, 'the file may be cut short or damaged: get it again');
  }
  const { width: W, height: H, data } = raster;
  if (W === 0 || H === 0) throw new CliError(what, file, `the image is empty (${W}×${H})`, IMAGE_TODO);
  const pixels = new Float32Array(3 * H * W);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) pixels[c * H * W + i] = data[i * 3 + c] / 255;
  return { file, shape: [1, 3, H, W], data: pixels };
}

function npyImage(what: string, file: string, bytes: Uint8Array): HostImage {
  let t;
  try {
    t = readNpy(bytes, file);
  } catch (e) {
    throw new CliError(what, file, `cannot read the .npy array (${oneLine((e as Error).message)})`, IMAGE_TODO);
  }
  const shape = `[${t.shape.join(', ')}]`;
  if (!['f16', 'f32', 'f64', 'bf16'].includes(t.dtype)) {
    throw new CliError(what, file, `holds ${t.dtype} ${shape}, not floats`, IMAGE_TODO);
  }
  const values = toFloat32(t);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new CliError(what, file, `holds ${v} at element ${i}, outside [0, 1]`, 'scale the pixels to [0, 1]');
  }
  let out: HostImage;
  if (t.shape.length === 3) {
    const [H, W, C] = t.shape;
    if (C !== 3) throw new CliError(what, file, `has shape ${shape}: ${C} channels, not 3`, IMAGE_TODO);
    const data = new Float32Array(3 * H * W);
    for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) data[c * H * W + i] = values[i * 3 + c];
    out = { file, shape: [1, 3, H, W], data };
  } else if (t.shape.length === 4) {
    const [N, C, H, W] = t.shape;
    if (C !== 3) throw new CliError(what, file, `has shape ${shape}: ${C} channels, not 3`, IMAGE_TODO);
    out = { file, shape: [N, 3, H, W], data: values };
  } else {
    throw new CliError(what, file, `has shape ${shape}`, IMAGE_TODO);
  }
  if (out.data.length === 0) throw new CliError(what, file, `the image is empty (${shape})`, IMAGE_TODO);
  return out;
}

async function readImages(what: string, files: readonly string[]): Promise<HostImage[]> {
  const images: HostImage[] = [];
  for (const f of files) images.push(await readImage(what, f));
  return images;
}

/** The model's weights, the tokenizer and the prompts' tokens, all read and checked on the CPU. */
interface ModelInputs {
  checkpoint: ClipCheckpointData;
  tokens: Int32Array | null;
}

async function readModel(cmd: string, opts: ModelOptions, texts: readonly string[]): Promise<ModelInputs> {
  const { checkpoint, tokenizer, choice } = await readClipAndTokenizer(
    `${cmd} --model`,
    opts.model,
    { flag: `${cmd} --vocab`, path: opts.vocab },
    { visionHeads: opts.visionHeads, textHeads: opts.textHeads },
  );
  const { contextLength } = checkpoint.config.text;
  const todo =
    choice.kind === 'word'
      ? `use words of the model's vocabulary (${choice.file}), at most ${contextLength - 2} of them`
      : `shorten the prompt to fit the model's ${contextLength} tokens`;
  for (const text of texts) {
    try {
      tokenizer.tokenize([text], { contextLength });
    } catch (e) {
      throw new CliError(`${cmd} --text`, `'${text}'`, oneLine((e as Error).message), todo);
    }
  }
  return { checkpoint, tokens: texts.length ? tokenizer.tokenize(texts, { contextLength }) : null };
}

function openModel(rt: Runtime, inputs: ModelInputs): ClipModel {
  return ClipModel.fromWeights(rt, inputs.checkpoint.config, inputs.checkpoint.weights);
}

// -------------------------------------------------------------------------------- GPU work

/** Image features [Σ N_i, embed] of every image, each preprocessed at its own size. */
function encodeImages(rt: Runtime, model: ClipModel, images: readonly HostImage[]): Tensor {
  return rt.noGrad(() =>
    rt.tidy(() => {
      const size = model.config.vision.imageSize;
      const pixels = images.map((im) => preprocessImage(rt.tensor(im.data, im.shape), { size }));
      return model.encodeImage(pixels.length === 1 ? pixels[0] : concat(pixels, 0));
    }),
  );
}

// -------------------------------------------------------------------------------- commands

async function score(opts: ModelOptions & { image: string[]; text: string[] }): Promise<void> {
  if (opts.image.length === 0) throw new CliError('clip score', '', 'no image given', 'pass at least one --image');
  if (opts.text.length === 0) throw new CliError('clip score', '', 'no prompt given', 'pass at least one --text');
  const images = await readImages('clip score --image', opts.image);
  const inputs = await readModel('clip score', opts, opts.text);
  const rt = await createRuntime();
  let model: ClipModel | null = null;
  try {
    model = openModel(rt, inputs);
    const m = model;
    const probs = rt.noGrad(() => rt.tidy(() => softmax(m.logits(encodeImages(rt, m, images), m.encodeText(inputs.tokens!)), -1)));
    const values = (await probs.read()) as Float32Array;
    probs.dispose();
    const T = opts.text.length;
    const names = images.flatMap((im) => (im.shape[0] === 1 ? [im.file] : Array.from({ length: im.shape[0] }, (_, n) => `${im.file}[${n}]`)));
    const lines: string[] = [];
    names.forEach((name, i) => {
      lines.push(name);
      const row = opts.text.map((text, j) => [values[i * T + j], text] as const).sort((a, b) => b[0] - a[0]);
      for (const [p, text] of row) lines.push(`  ${p.toFixed(4)}  ${text}`);
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    model?.dispose();
    rt.destroy();
  }
}

async function encode(opts: ModelOptions & { image: string[]; text: string[]; out: string; normalize?: boolean }): Promise<void> {
  if ((opts.image.length > 0) === (opts.text.length > 0)) {
    throw new CliError('clip encode', '', opts.image.length ? 'both --image and --text given' : 'nothing to encode', 'pass either --text or --image (one or more), not both');
  }
  if (extname(opts.out).toLowerCase() !== '.npy') throw new CliError('clip encode --out', opts.out, 'does not end in .npy', 'name the output file.npy');
  await checkOutputFile('clip encode --out', opts.out);
  const images = await readImages('clip encode --image', opts.image);
  const inputs = await readModel('clip encode', opts, opts.text);
  const rt = await createRuntime();
  let model: ClipModel | null = null;
  let features: Float32Array;
  let shape: number[];
  try {
    model = openModel(rt, inputs);
    const m = model;
    const t = rt.noGrad(() =>
      rt.tidy(() => {
        const f = inputs.tokens ? m.encodeText(inputs.tokens) : encodeImages(rt, m, images);
        return opts.normalize ? l2Normalize(f) : f;
      }),
    );
    shape = [...t.shape];
    features = (await t.read()) as Float32Array;
    t.dispose();
  } finally {
    model?.dispose();
    rt.destroy();
  }
  try {
    await writeFileAtomic(opts.out, writeNpy({ dtype: 'f32', shape, data: features }));
  } catch (e) {
    throw new CliError('clip encode --out', opts.out, `cannot write it: ${fsReason(e)}`, 'check the free space and permissions');
  }
  process.stdout.write(`wrote ${opts.out}: float32 [${shape.join(', ')}]\n`);
}

function modelOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--model <path>', 'CLIP checkpoint: OpenAI .pt, Hugging Face folder or weights file, stylegpu .safetensors, or embedded:shapes32-clip')
    .option(
      '--vocab <path>',
      "BPE tokenizer for models that carry none: OpenAI's bpe_simple_vocab_16e6.txt.gz or a Hugging Face folder (vocab.json, merges.txt); " +
        "default OpenAI's, shipped with @stylegpu/clip. Word-tokenized stylegpu models (embedded:…, or x.safetensors with x.vocab.json beside it) read their own vocabulary and refuse --vocab",
    )
    .addOption(new Option('--vision-heads <n>', 'vision attention heads, for OpenAI-layout files of non-OpenAI models (default width/64)').argParser(positiveInt))
    .addOption(new Option('--text-heads <n>', 'text attention heads, for OpenAI-layout files of non-OpenAI models (default width/64)').argParser(positiveInt));
}

export function clipCommand(): Command {
  // addCommand does not pass the root's settings down: repeat them (its subcommands inherit from here).
  const clip = new Command('clip').description('CLIP image/text embeddings and zero-shot scores on the GPU').showHelpAfterError().exitOverride();
  modelOptions(clip.command('score').description('probability of each --text for each --image (softmax of the CLIP logits)'))
    .option('--image <file>', 'PNG, JPEG, or .npy in [0, 1] (HWC or NCHW); repeatable', collect, [])
    .option('--text <prompt>', 'a prompt; repeatable', collect, [])
    .action((opts) => score(opts));
  modelOptions(clip.command('encode').description('write the projected embeddings of the prompts or the images as a float32 .npy'))
    .option('--image <file>', 'PNG, JPEG, or .npy in [0, 1] (HWC or NCHW); repeatable', collect, [])
    .option('--text <prompt>', 'a prompt; repeatable', collect, [])
    .requiredOption('--out <file.npy>', 'output file, float32 [N, embed], written atomically')
    .option('--normalize', 'L2-normalise each embedding')
    .action((opts) => encode(opts));
  return clip;
}

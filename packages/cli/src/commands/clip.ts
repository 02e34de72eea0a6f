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
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import {
  ClipModel,
  bundledVocabularyPath,
  loadClip,
  loadTokenizer,
  preprocessImage,
  type ClipTokenizer,
} from '@stylegpu/clip/node';
import {
  concat,
  createRuntime,
  decodeImage,
  l2Normalize,
  readNpy,
  softmax,
  toFloat32,
  writeFileAtomic,
  writeNpy,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${value}' is not a positive integer`);
  return n;
}

interface ModelOptions {
  model: string;
  vocab: string;
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

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EISDIR') return 'is a folder';
  if (code === 'EACCES') return 'permission denied';
  return (e as Error).message;
}

async function readImage(file: string): Promise<HostImage> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new Error(`clip: cannot read image ${file}: ${describeFsError(e)}`);
  }
  if (extname(file).toLowerCase() === '.npy') return npyImage(file, bytes);
  let raster;
  try {
    raster = decodeImage(bytes, { channels: 3 });
  } catch (e) {
    throw new Error(`clip: cannot decode image ${file}: ${(e as Error).message}`);
  }
  const { width: W, height: H, data } = raster;
  if (W === 0 || H === 0) throw new Error(`clip: image ${file} is empty (${W}×${H})`);
  const pixels = new Float32Array(3 * H * W);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) pixels[c * H * W + i] = data[i * 3 + c] / 255;
  return { file, shape: [1, 3, H, W], data: pixels };
}

function npyImage(file: string, bytes: Uint8Array): HostImage {
  let t;
  try {
    t = readNpy(bytes, file);
  } catch (e) {
    throw new Error(`clip: cannot read image ${file}: ${(e as Error).message}`);
  }
  const shape = `[${t.shape.join(', ')}]`;
  if (!['f16', 'f32', 'f64', 'bf16'].includes(t.dtype)) {
    throw new Error(`clip: image ${file} holds ${t.dtype} ${shape}; .npy images must be float arrays in [0, 1]`);
  }
  const values = toFloat32(t);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`clip: image ${file} holds ${v} at element ${i}; .npy images must be in [0, 1]`);
  }
  let out: HostImage;
  if (t.shape.length === 3) {
    const [H, W, C] = t.shape;
    if (C !== 3) throw new Error(`clip: image ${file} has shape ${shape}: ${C} channels, expected 3 (RGB) as HWC [H, W, 3] or NCHW [N, 3, H, W]`);
    const data = new Float32Array(3 * H * W);
    for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) data[c * H * W + i] = values[i * 3 + c];
    out = { file, shape: [1, 3, H, W], data };
  } else if (t.shape.length === 4) {
    const [N, C, H, W] = t.shape;
    if (C !== 3) throw new Error(`clip: image ${file} has shape ${shape}: ${C} channels, expected 3 (RGB) as NCHW [N, 3, H, W] or HWC [H, W, 3]`);
    out = { file, shape: [N, 3, H, W], data: values };
  } else {
    throw new Error(`clip: image ${file} has shape ${shape}; expected HWC [H, W, 3] or NCHW [N, 3, H, W]`);
  }
  if (out.data.length === 0) throw new Error(`clip: image ${file} is empty (${shape})`);
  return out;
}

async function readImages(files: readonly string[]): Promise<HostImage[]> {
  const images: HostImage[] = [];
  for (const f of files) images.push(await readImage(f));
  return images;
}

async function openModel(opts: ModelOptions): Promise<{ rt: Runtime; model: ClipModel; tokenizer: ClipTokenizer }> {
  // Everything on the CPU side first, so a bad path fails before a device is opened.
  const tokenizer = await loadTokenizer(opts.vocab);
  const rt = await createRuntime();
  try {
    const { model } = await loadClip(rt, opts.model, { visionHeads: opts.visionHeads, textHeads: opts.textHeads });
    model.checkTokenizer(tokenizer);
    return { rt, model, tokenizer };
  } catch (e) {
    rt.destroy();
    throw e;
  }
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

function tokenize(tokenizer: ClipTokenizer, texts: readonly string[], contextLength: number): Int32Array {
  try {
    return tokenizer.tokenize(texts, { contextLength });
  } catch (e) {
    throw new Error(`clip: ${(e as Error).message}`);
  }
}

// -------------------------------------------------------------------------------- commands

async function score(opts: ModelOptions & { image: string[]; text: string[] }): Promise<void> {
  if (opts.image.length === 0) throw new Error('clip score: give at least one --image');
  if (opts.text.length === 0) throw new Error('clip score: give at least one --text');
  const images = await readImages(opts.image);
  const { rt, model, tokenizer } = await openModel(opts);
  try {
    const tokens = tokenize(tokenizer, opts.text, model.config.text.contextLength);
    const probs = rt.noGrad(() =>
      rt.tidy(() => softmax(model.logits(encodeImages(rt, model, images), model.encodeText(tokens)), -1)),
    );
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
    model.dispose();
    rt.destroy();
  }
}

async function encode(opts: ModelOptions & { image: string[]; text: string[]; out: string; normalize?: boolean }): Promise<void> {
  if ((opts.image.length > 0) === (opts.text.length > 0)) throw new Error('clip encode: give either --text or --image (one or more), not both');
  if (extname(opts.out).toLowerCase() !== '.npy') throw new Error(`clip encode: --out ${opts.out} must end in .npy`);
  const images = await readImages(opts.image);
  const { rt, model, tokenizer } = await openModel(opts);
  let features: Float32Array;
  let shape: number[];
  try {
    const tokens = opts.text.length ? tokenize(tokenizer, opts.text, model.config.text.contextLength) : null;
    const t = rt.noGrad(() =>
      rt.tidy(() => {
        const f = tokens ? model.encodeText(tokens) : encodeImages(rt, model, images);
        return opts.normalize ? l2Normalize(f) : f;
      }),
    );
    shape = [...t.shape];
    features = (await t.read()) as Float32Array;
    t.dispose();
  } finally {
    model.dispose();
    rt.destroy();
  }
  try {
    await writeFileAtomic(opts.out, writeNpy({ dtype: 'f32', shape, data: features }));
  } catch (e) {
    throw new Error(`clip encode: cannot write ${opts.out}: ${describeFsError(e)}`);
  }
  process.stdout.write(`wrote ${opts.out}: float32 [${shape.join(', ')}]\n`);
}

function modelOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--model <path>', 'CLIP checkpoint: OpenAI .pt, Hugging Face folder or weights file, or stylegpu .safetensors')
    .addOption(
      new Option('--vocab <path>', "tokenizer: OpenAI's bpe_simple_vocab_16e6.txt.gz or a Hugging Face folder (vocab.json, merges.txt)").default(
        bundledVocabularyPath(),
        "OpenAI's vocabulary shipped with @stylegpu/clip",
      ),
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

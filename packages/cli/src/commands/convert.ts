/**
 * `stylegpu convert IN OUT`: between checkpoint layouts, with no Python.
 *   StyleGAN2: NVIDIA .pkl / rosinality .pt / stylegpu .safetensors → stylegpu `.safetensors`, or
 *              rosinality `.pt` (a zip `torch.save` that rosinality's and StyleGAN-NADA's loaders read).
 *   CLIP:      OpenAI .pt / Hugging Face file or folder / stylegpu / `embedded:shapes32-clip` → stylegpu `.safetensors`;
 *              a word-tokenized model's vocabulary goes with it, as `OUT-stem.vocab.json` beside the output.
 * The output is written atomically: a failed conversion leaves no file behind.
 */
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { writeFileAtomic } from '@stylegpu/io';
import { exportRosinality, parseStyleGanCheckpoint, saveStyleGanCheckpoint } from '@stylegpu/stylegan';
import { isEmbeddedName, loadClipCheckpoint, loadClipTokenizer, saveClipCheckpoint, wordVocabularyFileFor, wordVocabularyOf } from '@stylegpu/clip/node';
import { CliError, fsReason } from '../cli-error.js';
import { checkInput, checkOutputFile, readHead, readInput } from '../file-checks.js';
import { CLIP_TODO, STYLEGAN_TODO, clipPath, reason } from '../read-models.js';
import { describeKind, isNeverACheckpoint, sniffKind } from '../sniff.js';

interface ConvertOptions {
  kind: 'auto' | 'stylegan' | 'clip';
  f16?: boolean;
}

export function convertCommand(): Command {
  return new Command('convert')
    .description('Convert a StyleGAN2 or CLIP checkpoint: OUT.safetensors (stylegpu) or OUT.pt (rosinality layout, StyleGAN2 only)')
    .argument('<in>', 'checkpoint file (or Hugging Face CLIP folder)')
    .argument('<out>', 'output file: .safetensors or .pt')
    .addOption(new Option('--kind <kind>', 'what the input holds').choices(['auto', 'stylegan', 'clip']).default('auto'))
    .option('--f16', 'store CLIP weights as float16 (stylegpu format)')
    .action(async (input: string, output: string, opts: ConvertOptions) => {
      console.log(await runConvert(input, output, opts));
    });
}

const ANY_TODO = 'give a StyleGAN2 checkpoint (NVIDIA .pkl, rosinality .pt, stylegpu .safetensors) or a CLIP one (OpenAI .pt, Hugging Face folder, stylegpu .safetensors)';

export async function runConvert(input: string, output: string, opts: ConvertOptions = { kind: 'auto' }): Promise<string> {
  const IN = 'convert IN';
  const ext = extname(output).toLowerCase();
  if (ext !== '.safetensors' && ext !== '.pt' && ext !== '.pth') {
    throw new CliError('convert OUT', output, 'has an unknown extension', 'end it in .safetensors (stylegpu) or .pt (rosinality, StyleGAN2 only)');
  }
  await checkOutputFile('convert OUT', output);
  const embedded = isEmbeddedName(input);
  if (embedded && opts.kind === 'stylegan') throw new CliError(IN, input, 'names an embedded CLIP model, not a StyleGAN2 checkpoint', STYLEGAN_TODO);
  const inputKind = await checkInput(IN, clipPath(IN, input), { accept: 'either' });
  if (inputKind === 'file') {
    const kind = sniffKind(await readHead(IN, clipPath(IN, input)));
    if (isNeverACheckpoint(kind)) throw new CliError(IN, input, `holds ${describeKind(kind)}, not a model checkpoint`, ANY_TODO);
  }
  // A folder can only be a Hugging Face CLIP model; a file is tried as StyleGAN2 first.
  let styleganError = 'it is a folder';
  if (opts.kind !== 'clip' && inputKind === 'file' && !embedded) {
    let ckpt;
    try {
      ckpt = parseStyleGanCheckpoint(await readInput(IN, input));
    } catch (err) {
      if (err instanceof CliError) throw err;
      if (opts.kind === 'stylegan') throw new CliError(IN, input, `cannot load it as a StyleGAN2 checkpoint (${reason(err)})`, STYLEGAN_TODO);
      styleganError = reason(err);
    }
    if (ckpt) {
      const bytes = ext === '.safetensors' ? saveStyleGanCheckpoint(ckpt) : exportRosinality(ckpt);
      await write(output, bytes);
      return `StyleGAN2 ${ckpt.config.layout} → ${ext === '.safetensors' ? 'stylegpu' : 'rosinality'}: ${output}`;
    }
  } else if (opts.kind === 'stylegan') {
    throw new CliError(IN, input, 'is a folder, not a StyleGAN2 checkpoint file', 'give the checkpoint file');
  }
  let clip;
  try {
    clip = await loadClipCheckpoint(input);
  } catch (err) {
    if (opts.kind === 'clip') throw new CliError(IN, input, `cannot load it as a CLIP checkpoint (${reason(err)})`, CLIP_TODO);
    throw new CliError(IN, input, `is neither a StyleGAN2 checkpoint (${styleganError}) nor a CLIP checkpoint (${reason(err)})`, ANY_TODO);
  }
  if (ext !== '.safetensors') throw new CliError('convert OUT', output, 'a CLIP model converts to .safetensors only', 'name the output .safetensors');
  // A word-tokenized model is unusable without its vocabulary: it is checked, then written beside the output first.
  const vocabulary = wordVocabularyOf(input);
  if (vocabulary !== null) {
    const outVocabulary = wordVocabularyFileFor(output);
    await checkOutputFile('convert OUT', outVocabulary);
    let loaded;
    try {
      loaded = await loadClipTokenizer(input, clip.config);
    } catch (err) {
      throw new CliError(IN, input, `its word vocabulary cannot be used (${reason(err)})`, 'keep the clip.vocab.json written with these weights beside them');
    }
    const { tokenizer } = loaded;
    if (!('words' in tokenizer)) throw new Error(`convert: ${input} has a word vocabulary but loaded a BPE tokenizer`);
    await write(outVocabulary, new TextEncoder().encode(`${JSON.stringify(tokenizer.words.toJSON())}\n`));
    await write(output, saveClipCheckpoint(clip, { dtype: opts.f16 ? 'f16' : 'f32' }));
    return `CLIP → stylegpu: ${output}, word vocabulary ${outVocabulary}`;
  }
  await write(output, saveClipCheckpoint(clip, { dtype: opts.f16 ? 'f16' : 'f32' }));
  return `CLIP → stylegpu: ${output}`;
}

async function write(output: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(output, bytes);
  } catch (e) {
    throw new CliError('convert OUT', output, `cannot write it: ${fsReason(e)}`, 'check the free space and permissions');
  }
}

/**
 * Model files read on the CPU with errors that name the flag and the path: StyleGAN2 checkpoints,
 * CLIP checkpoints (files, folders, or embedded names) and the tokenizer that belongs to each CLIP.
 * Commands read their models through these before they open the GPU, so a wrong file fails fast,
 * with one line, and before anything is written.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_GENERATORS, type StyleGanCheckpoint, embeddedGeneratorUrl, isEmbeddedName, parseStyleGanCheckpoint } from '@stylegpu/stylegan';
import { EMBEDDED_PREDICTORS, embeddedPredictorUrl } from '@stylegpu/world/predictor';
import {
  type ClipTokenizer,
  type ClipTokenizerChoice,
  EMBEDDED_CLIPS,
  type TextTokenizer,
  clipTokenizerChoice,
  embeddedClipUrls,
  loadClipCheckpoint,
  loadClipTokenizer,
  loadTokenizer,
  wordVocabularyFileFor,
  wordVocabularyOf,
} from '@stylegpu/clip/node';
import { CliError, oneLine } from './cli-error.js';
import { checkInput, readHead, readInput } from './file-checks.js';
import { describeKind, isNeverACheckpoint, sniffKind } from './sniff.js';

export const STYLEGAN_TODO = 'give an NVIDIA stylegan2-ada-pytorch .pkl, a rosinality .pt or a stylegpu .safetensors file';
export const CLIP_TODO = 'give an OpenAI CLIP .pt, a Hugging Face CLIP folder or weights file, or a stylegpu .safetensors file';
const VOCAB_TODO = "give OpenAI's bpe_simple_vocab_16e6.txt.gz or a Hugging Face folder with vocab.json and merges.txt";
/** How to produce an absent embedded CLIP (packages/clip/embedded/README.md has the full command line of the shipped one). */
const embeddedClipTodo = (weights: string, vocabulary: string) =>
  `train it with \`stylegpu clip train --data world:shapes --resolution 32 --outdir DIR\` (the full command is in @stylegpu/clip's embedded/README.md), ` +
  `then copy DIR/clip.safetensors to ${weights} and DIR/clip.vocab.json to ${vocabulary}; or give a checkpoint file`;

export const reason = (e: unknown) => oneLine(e instanceof Error ? e.message : String(e));

/** `embedded:<name>` → the file it names inside @stylegpu/stylegan (or STYLEGPU_EMBEDDED_DIR); other paths as they are. */
export function styleGanPath(what: string, path: string): string {
  if (!isEmbeddedName(path)) return path;
  const names = Object.keys(EMBEDDED_GENERATORS).map((n) => `embedded:${n}`);
  if (!names.includes(path)) throw new CliError(what, path, 'no such embedded generator', `use ${names.join(' or ')}, or give a checkpoint file`);
  const file = fileURLToPath(embeddedGeneratorUrl(path));
  if (!existsSync(file)) throw new CliError(what, path, `${file} is not in this copy of @stylegpu/stylegan`, 'train it as its embedded/README.md says, or give a checkpoint file');
  return file;
}

/** `embedded:<name>` → the factor predictor file it names inside @stylegpu/world (or STYLEGPU_EMBEDDED_DIR); other paths as they are. */
export function predictorPath(what: string, path: string): string {
  if (!isEmbeddedName(path)) return path;
  const names = Object.keys(EMBEDDED_PREDICTORS).map((n) => `embedded:${n}`);
  if (!names.includes(path)) throw new CliError(what, path, 'no such embedded predictor', `use ${names.join(' or ')}, or give a predictor.safetensors file`);
  const file = fileURLToPath(embeddedPredictorUrl(path));
  if (!existsSync(file)) throw new CliError(what, path, `${file} is not in this copy of @stylegpu/world`, 'train it as its embedded/README.md says, or give a predictor file');
  return file;
}

export async function readStyleGan(what: string, given: string): Promise<StyleGanCheckpoint> {
  const path = styleGanPath(what, given);
  const bytes = await readInput(what, path);
  const kind = sniffKind(bytes);
  if (isNeverACheckpoint(kind)) throw new CliError(what, path, `holds ${describeKind(kind)}, not a StyleGAN2 checkpoint`, STYLEGAN_TODO);
  try {
    return parseStyleGanCheckpoint(bytes);
  } catch (e) {
    throw new CliError(what, path, `cannot load it as a StyleGAN2 checkpoint (${reason(e)})`, STYLEGAN_TODO);
  }
}

/** The file exists, is readable, not empty, and its first bytes do not rule out a checkpoint (no full read). */
export async function checkStyleGanFile(what: string, given: string): Promise<void> {
  const path = styleGanPath(what, given);
  const kind = sniffKind(await readHead(what, path));
  if (isNeverACheckpoint(kind)) throw new CliError(what, path, `holds ${describeKind(kind)}, not a StyleGAN2 checkpoint`, STYLEGAN_TODO);
}

export type ClipCheckpointData = Awaited<ReturnType<typeof loadClipCheckpoint>>;

/**
 * `embedded:<name>` → its weights file, after checking that it and its word vocabulary are there
 * (both are needed: the model reads words, not BPE). Other paths are returned as they are.
 */
export function clipPath(what: string, path: string): string {
  if (!isEmbeddedName(path)) return path;
  let urls;
  try {
    urls = embeddedClipUrls(path);
  } catch {
    const names = Object.keys(EMBEDDED_CLIPS).map((n) => `embedded:${n}`);
    throw new CliError(what, path, 'no such embedded CLIP model', `use ${names.join(' or ')}, or give a checkpoint file`);
  }
  const [weights, vocabulary] = [fileURLToPath(urls.weights), fileURLToPath(urls.vocabulary)];
  const dir = process.env.STYLEGPU_EMBEDDED_DIR;
  const where = dir ? `in STYLEGPU_EMBEDDED_DIR (${dir})` : 'in this copy of @stylegpu/clip';
  for (const file of [weights, vocabulary]) {
    if (!existsSync(file)) throw new CliError(what, path, `${file} is not there: no such file ${where}`, embeddedClipTodo(weights, vocabulary));
  }
  return weights;
}

/** A CLIP checkpoint: a file, a Hugging Face folder, or an embedded name (`embedded:shapes32-clip`). */
export async function readClip(what: string, path: string, options: Parameters<typeof loadClipCheckpoint>[1] = {}): Promise<ClipCheckpointData> {
  const file = clipPath(what, path);
  const kind = await checkInput(what, file, { accept: 'either' });
  if (kind === 'file') {
    const k = sniffKind(await readHead(what, file));
    if (isNeverACheckpoint(k)) throw new CliError(what, path, `holds ${describeKind(k)}, not a CLIP checkpoint`, CLIP_TODO);
  }
  try {
    return await loadClipCheckpoint(path, options);
  } catch (e) {
    throw new CliError(what, path, `cannot load it as a CLIP checkpoint (${reason(e)})`, CLIP_TODO);
  }
}

export interface ClipAndTokenizer {
  checkpoint: ClipCheckpointData;
  /** The model's own (`loadClipTokenizer`): its word vocabulary for a stylegpu word model, else BPE. */
  tokenizer: TextTokenizer;
  choice: ClipTokenizerChoice;
}

/**
 * A CLIP checkpoint and the tokenizer it was trained with: a stylegpu word model (embedded name, or
 * `<stem>.safetensors` with `<stem>.vocab.json` beside it) reads its word vocabulary; any other model
 * OpenAI's BPE, a Hugging Face folder's own, or `vocab.path` (the command's BPE flag, named `vocab.flag`).
 * A BPE vocabulary given for a word model is refused rather than ignored: it cannot be used.
 */
export async function readClipAndTokenizer(
  what: string,
  path: string,
  vocab: { flag: string; path?: string },
  options: Parameters<typeof loadClipCheckpoint>[1] = {},
): Promise<ClipAndTokenizer> {
  const checkpoint = await readClip(what, path, options);
  const flag = vocab.flag.split(' ').pop()!;
  const word = wordVocabularyOf(path);
  if (word !== null && vocab.path !== undefined) {
    throw new CliError(vocab.flag, vocab.path, `does not apply: ${path} is a word-tokenized stylegpu CLIP that reads its own vocabulary ${word}, not BPE`, `leave ${flag} out for this model`);
  }
  const choice = clipTokenizerChoice(path, { vocab: vocab.path });
  const V = checkpoint.config.text.vocabSize;
  if (choice.kind === 'word') {
    try {
      return { checkpoint, tokenizer: (await loadClipTokenizer(path, checkpoint.config)).tokenizer, choice };
    } catch (e) {
      throw new CliError(what, path, `its word vocabulary cannot be used (${reason(e)})`, 'keep the clip.vocab.json written with these weights beside them');
    }
  }
  const bpe = await readVocab(choice.given ? vocab.flag : what, choice.file);
  if (bpe.vocabularySize !== V) {
    if (!choice.given && path.endsWith('.safetensors')) {
      throw new CliError(
        what,
        path,
        `its token embedding has ${V} rows, not the ${bpe.vocabularySize} tokens of OpenAI's BPE, and no word vocabulary ${wordVocabularyFileFor(path)} is beside it`,
        `put the clip.vocab.json written with it there under that name (stylegpu clip train writes both), or pass ${flag} with the BPE vocabulary it was trained with`,
      );
    }
    throw new CliError(choice.given ? vocab.flag : what, choice.given ? choice.file : path, `the tokenizer has ${bpe.vocabularySize} tokens, but the model ${path} embeds ${V}`, 'use the tokenizer the model was trained with');
  }
  return { checkpoint, tokenizer: bpe, choice };
}

export async function readVocab(what: string, path: string): Promise<ClipTokenizer> {
  const kind = await checkInput(what, path, { accept: 'either' });
  if (kind === 'file') {
    const k = sniffKind(await readHead(what, path));
    if (k !== 'gzip' && k !== 'text') throw new CliError(what, path, `holds ${describeKind(k)}, not a BPE vocabulary`, VOCAB_TODO);
  }
  try {
    return await loadTokenizer(path);
  } catch (e) {
    throw new CliError(what, path, `cannot load it as a CLIP tokenizer (${reason(e)})`, VOCAB_TODO);
  }
}

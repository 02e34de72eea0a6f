/**
 * Model files read on the CPU with errors that name the flag and the path: StyleGAN2 checkpoints,
 * CLIP checkpoints and CLIP tokenizers. Commands read their models through these before they open
 * the GPU, so a wrong file fails fast, with one line, and before anything is written.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_GENERATORS, type StyleGanCheckpoint, embeddedGeneratorUrl, isEmbeddedName, parseStyleGanCheckpoint } from '@stylegpu/stylegan';
import { type ClipTokenizer, loadClipCheckpoint, loadTokenizer } from '@stylegpu/clip/node';
import { CliError, oneLine } from './cli-error.js';
import { checkInput, readHead, readInput } from './file-checks.js';
import { describeKind, isNeverACheckpoint, sniffKind } from './sniff.js';

export const STYLEGAN_TODO = 'give an NVIDIA stylegan2-ada-pytorch .pkl, a rosinality .pt or a stylegpu .safetensors file';
export const CLIP_TODO = 'give an OpenAI CLIP .pt, a Hugging Face CLIP folder or weights file, or a stylegpu .safetensors file';
const VOCAB_TODO = "give OpenAI's bpe_simple_vocab_16e6.txt.gz or a Hugging Face folder with vocab.json and merges.txt";

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

export async function readClip(what: string, path: string, options: Parameters<typeof loadClipCheckpoint>[1] = {}): Promise<ClipCheckpointData> {
  const kind = await checkInput(what, path, { accept: 'either' });
  if (kind === 'file') {
    const k = sniffKind(await readHead(what, path));
    if (isNeverACheckpoint(k)) throw new CliError(what, path, `holds ${describeKind(k)}, not a CLIP checkpoint`, CLIP_TODO);
  }
  try {
    return await loadClipCheckpoint(path, options);
  } catch (e) {
    throw new CliError(what, path, `cannot load it as a CLIP checkpoint (${reason(e)})`, CLIP_TODO);
  }
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

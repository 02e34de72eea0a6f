/**
 * Node: the tokenizer that belongs to a CLIP checkpoint, so prompts are encoded with the vocabulary
 * the model was trained with.
 *
 *   embedded:<name>                       its word vocabulary, embedded/<name>.vocab.json
 *   <stem>.safetensors + <stem>.vocab.json a stylegpu word model (`stylegpu clip train` writes both)
 *   a Hugging Face folder with vocab.json  that folder's BPE
 *   anything else                          OpenAI's BPE, shipped with this package
 *
 * `vocab` (a BPE file or folder) overrides the last two; given with a word model it is an error, not
 * ignored: a user who names a vocabulary expects it to be used, and it cannot be.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEmbeddedFile } from '@stylegpu/io';
import type { ClipConfig } from './checkpoint/config.js';
import { embeddedClipUrls, isEmbeddedName, readWordVocabulary, wordVocabularyFileFor } from './checkpoint/embedded.js';
import { type ModelWordTokenizer, wordTokenizerForModel } from './text-tokenizer.js';
import type { ClipTokenizer } from './tokenizer.js';
import { bundledVocabularyPath, loadTokenizer } from './tokenizer-node.js';

export type ClipTokenizerChoice =
  /** A stylegpu word vocabulary (`WordTokenizer.toJSON()`). */
  | { kind: 'word'; file: string }
  /** A BPE vocabulary: OpenAI's file or a Hugging Face folder; `given` when it came from `vocab`. */
  | { kind: 'bpe'; file: string; given: boolean };

/** A model's tokenizer and where it came from: a word vocabulary bound to the model, or a BPE tokenizer. */
export type LoadedClipTokenizer =
  | { tokenizer: ModelWordTokenizer; choice: Extract<ClipTokenizerChoice, { kind: 'word' }> }
  | { tokenizer: ClipTokenizer; choice: Extract<ClipTokenizerChoice, { kind: 'bpe' }> };

export interface ClipTokenizerOptions {
  /** A BPE vocabulary (OpenAI's .txt.gz or a Hugging Face folder) for a model that carries none. */
  vocab?: string;
}

/** Which tokenizer goes with the CLIP model at `source` (a path or an embedded name); reads nothing but directory entries. */
export function clipTokenizerChoice(source: string, options: ClipTokenizerOptions = {}): ClipTokenizerChoice {
  const word = wordVocabularyOf(source);
  if (word !== null) {
    if (options.vocab !== undefined) {
      throw new Error(
        `${source} is a word-tokenized stylegpu CLIP whose vocabulary is ${word}; the BPE vocabulary ${options.vocab} does not apply to it (leave the vocabulary out)`,
      );
    }
    return { kind: 'word', file: word };
  }
  if (options.vocab !== undefined) return { kind: 'bpe', file: options.vocab, given: true };
  if (isDirectory(source) && existsSync(join(source, 'vocab.json'))) return { kind: 'bpe', file: source, given: false };
  return { kind: 'bpe', file: bundledVocabularyPath(), given: false };
}

/**
 * The tokenizer of the CLIP model at `source`, checked against its `config` (same vocabulary size); a
 * word vocabulary comes bound to the model's context length. Errors name the file and what to do.
 */
export async function loadClipTokenizer(
  source: string,
  config: ClipConfig,
  options: ClipTokenizerOptions = {},
): Promise<LoadedClipTokenizer> {
  const choice = clipTokenizerChoice(source, options);
  const { vocabSize, contextLength } = config.text;
  if (choice.kind === 'word') {
    const bytes = isEmbeddedName(source) ? await readEmbeddedFile(embeddedClipUrls(source).vocabulary, source) : new Uint8Array(await readFile(choice.file));
    const words = readWordVocabulary(bytes, choice.file, vocabSize);
    return { tokenizer: wordTokenizerForModel(words, contextLength), choice };
  }
  const tokenizer = await loadTokenizer(choice.file);
  if (tokenizer.vocabularySize !== vocabSize) {
    if (!choice.given && source.endsWith('.safetensors')) {
      throw new Error(
        `${source}: its token embedding has ${vocabSize} rows, not the ${tokenizer.vocabularySize} tokens of OpenAI's BPE; a word-tokenized model ` +
          `(written by \`stylegpu clip train\`) needs its vocabulary ${wordVocabularyFileFor(source)} beside it, and that file is not there`,
      );
    }
    throw new Error(`the tokenizer ${choice.file} has ${tokenizer.vocabularySize} tokens but the model ${source} embeds ${vocabSize}: use the tokenizer the model was trained with`);
  }
  return { tokenizer, choice };
}

/** The word vocabulary file of a word model (embedded name, or `<stem>.vocab.json` beside a .safetensors file), else null. */
export function wordVocabularyOf(source: string): string | null {
  if (isEmbeddedName(source)) {
    const url = embeddedClipUrls(source).vocabulary;
    return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  }
  if (!source.endsWith('.safetensors')) return null;
  const file = wordVocabularyFileFor(source);
  return existsSync(file) ? file : null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

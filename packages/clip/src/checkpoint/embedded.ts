/**
 * CLIP models shipped inside this package, loadable by name: `loadClip(rt, 'embedded:shapes32-clip')`
 * (Node) or `readEmbeddedClip('embedded:shapes32-clip')` (anywhere) read
 * `embedded/shapes32-clip.safetensors` and the word vocabulary trained with it,
 * `embedded/shapes32-clip.vocab.json`. embedded/README.md says which run produced each file.
 *
 * A word-tokenized model's vocabulary sits beside its weights as `<stem>.vocab.json`
 * (`WordTokenizer.toJSON()`), which is what `stylegpu clip train` writes.
 */
import { EMBEDDED_PREFIX, embeddedFileUrl, isEmbeddedName, readEmbeddedFile } from '@stylegpu/io';
import { EMBEDDED_FOLDER } from '../embedded-folder.js';
import { WordTokenizer } from '../train/word-tokenizer.js';
import { readClipCheckpoint, type ClipCheckpoint } from './load.js';

export { EMBEDDED_PREFIX, isEmbeddedName };

/** The vocabulary file that goes with a weights file: `clip.safetensors` → `clip.vocab.json`. */
export function wordVocabularyFileFor(weightsFile: string): string {
  return `${weightsFile.replace(/\.safetensors$/, '')}.vocab.json`;
}

/** Name (after `embedded:`) → weights file in embedded/ (its vocabulary: `wordVocabularyFileFor`). */
export const EMBEDDED_CLIPS: Readonly<Record<string, string>> = {
  'shapes32-clip': 'shapes32-clip.safetensors',
};

/** `embedded:<name>` → URLs of its weights and vocabulary; an unknown name throws listing the known ones. */
export function embeddedClipUrls(source: string): { weights: URL; vocabulary: URL } {
  const weights = embeddedFileUrl(source, EMBEDDED_CLIPS, EMBEDDED_FOLDER, 'CLIP model');
  return { weights, vocabulary: new URL(wordVocabularyFileFor(weights.pathname.split('/').pop()!), weights) };
}

/** An embedded model's checkpoint and the word tokenizer it was trained with. */
export async function readEmbeddedClip(source: string): Promise<{ checkpoint: ClipCheckpoint; tokenizer: WordTokenizer }> {
  const urls = embeddedClipUrls(source);
  const [weights, vocabulary] = await Promise.all([readEmbeddedFile(urls.weights, source), readEmbeddedFile(urls.vocabulary, source)]);
  const checkpoint = readClipCheckpoint(weights);
  const tokenizer = readWordVocabulary(vocabulary, `${source}: ${urls.vocabulary.href}`, checkpoint.config.text.vocabSize);
  return { checkpoint, tokenizer };
}

/**
 * A word vocabulary file's bytes (`WordTokenizer.toJSON()` as JSON) → its tokenizer, checked against the
 * model's token embedding (`vocabSize` rows). `where` names the file in errors.
 */
export function readWordVocabulary(bytes: Uint8Array, where: string, vocabSize: number): WordTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${where} is not JSON (${(e as Error).message})`);
  }
  let tokenizer: WordTokenizer;
  try {
    tokenizer = WordTokenizer.fromJSON(json);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  if (tokenizer.vocabularySize !== vocabSize) {
    throw new Error(`${where}: the vocabulary has ${tokenizer.vocabularySize} tokens but the model's token embedding has ${vocabSize} rows; the two files are from different runs`);
  }
  return tokenizer;
}

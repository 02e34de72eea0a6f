/**
 * Node convenience: a checkpoint path (file or Hugging Face folder) or an embedded name
 * (`embedded:shapes32-clip`) → a ClipModel on the GPU. Word-tokenized models (embedded ones, and a
 * `<stem>.safetensors` with `<stem>.vocab.json` beside it, as `stylegpu clip train` writes them) come
 * with the `WordTokenizer` they were trained with; `loadClipTokenizer` gives any model's tokenizer.
 */
import { readFile } from 'node:fs/promises';
import type { Runtime } from '@stylegpu/kernels';
import type { ClipConfig } from './checkpoint/index.js';
import { isEmbeddedName, readEmbeddedClip, readWordVocabulary } from './checkpoint/embedded.js';
import type { ClipLoadOptions } from './checkpoint/load.js';
import { loadClipCheckpoint } from './checkpoint/node.js';
import { ClipModel } from './model/clip-model.js';
import { wordVocabularyOf } from './tokenizer-for-model.js';
import type { WordTokenizer } from './train/word-tokenizer.js';

export async function loadClip(
  rt: Runtime,
  path: string,
  options: ClipLoadOptions = {},
): Promise<{ model: ClipModel; config: ClipConfig; tokenizer?: WordTokenizer }> {
  if (isEmbeddedName(path)) {
    const { checkpoint, tokenizer } = await readEmbeddedClip(path);
    return { model: ClipModel.fromWeights(rt, checkpoint.config, checkpoint.weights), config: checkpoint.config, tokenizer };
  }
  const { config, weights } = await loadClipCheckpoint(path, options);
  const vocabulary = wordVocabularyOf(path);
  const tokenizer = vocabulary === null ? undefined : readWordVocabulary(new Uint8Array(await readFile(vocabulary)), vocabulary, config.text.vocabSize);
  return { model: ClipModel.fromWeights(rt, config, weights), config, ...(tokenizer && { tokenizer }) };
}

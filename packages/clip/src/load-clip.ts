/**
 * Node convenience: a checkpoint path (file or Hugging Face folder) or an embedded name
 * (`embedded:shapes32-clip`) → a ClipModel on the GPU. Embedded models come with the
 * `WordTokenizer` they were trained with.
 */
import type { Runtime } from '@stylegpu/kernels';
import type { ClipConfig } from './checkpoint/index.js';
import { isEmbeddedName, readEmbeddedClip } from './checkpoint/embedded.js';
import type { ClipLoadOptions } from './checkpoint/load.js';
import { loadClipCheckpoint } from './checkpoint/node.js';
import { ClipModel } from './model/clip-model.js';
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
  return { model: ClipModel.fromWeights(rt, config, weights), config };
}

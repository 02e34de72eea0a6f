/** Node convenience: a checkpoint path (file or Hugging Face folder) → a ClipModel on the GPU. */
import type { Runtime } from '@stylegpu/kernels';
import type { ClipConfig } from './checkpoint/index.js';
import type { ClipLoadOptions } from './checkpoint/load.js';
import { loadClipCheckpoint } from './checkpoint/node.js';
import { ClipModel } from './model/clip-model.js';

export async function loadClip(rt: Runtime, path: string, options: ClipLoadOptions = {}): Promise<{ model: ClipModel; config: ClipConfig }> {
  const { config, weights } = await loadClipCheckpoint(path, options);
  return { model: ClipModel.fromWeights(rt, config, weights), config };
}

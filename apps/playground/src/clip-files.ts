/**
 * A CLIP picked in the file dialog: a word-level stylegpu CLIP is two files, the weights
 * (`.safetensors`) and the vocabulary trained with them (`.vocab.json`); both must be picked together.
 */
import type { ClipFileBuffers } from './protocol.js';

export interface NamedFile {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export async function pickClipFiles(files: readonly NamedFile[]): Promise<ClipFileBuffers> {
  const vocabularies = files.filter((f) => f.name.endsWith('.json'));
  const weights = files.filter((f) => !f.name.endsWith('.json'));
  if (vocabularies.length !== 1 || weights.length !== 1) {
    const names = files.map((f) => f.name).join(', ') || 'nothing';
    throw new Error(`CLIP files: pick two files together, the weights (.safetensors) and their vocabulary (.vocab.json); got ${names}`);
  }
  const [w, v] = [weights[0], vocabularies[0]];
  return { weightsName: w.name, vocabularyName: v.name, weights: await w.arrayBuffer(), vocabulary: await v.arrayBuffer() };
}

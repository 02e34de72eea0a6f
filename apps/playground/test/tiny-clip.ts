/**
 * A freshly initialised tiny word-level CLIP (16-px images, 8-d embeddings) and its vocabulary,
 * written as the two files `stylegpu clip train` writes: a stand-in for embedded:shapes32-clip
 * that exercises the same loading and NADA code without trained weights.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initClipWeights, saveClipCheckpoint, WordTokenizer, type ClipConfig } from '@stylegpu/clip';

export const TINY_CLIP_WORDS = 'a red blue circle square triangle star cross heart';

export function tinyClipConfig(vocabSize: number): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: 8,
    vision: { width: 16, layers: 1, heads: 2, mlpWidth: 32, patchSize: 8, imageSize: 16, ...tower },
    text: { width: 16, layers: 1, heads: 2, mlpWidth: 32, contextLength: 8, vocabSize, ...tower },
  };
}

/** Writes tiny-clip.safetensors and tiny-clip.vocab.json into `dir`; returns their paths. */
export function writeTinyClip(dir: string, seed = 3): { weights: string; vocabulary: string } {
  const words = WordTokenizer.fromTexts([TINY_CLIP_WORDS]);
  const config = tinyClipConfig(words.vocabularySize);
  const weights = join(dir, 'tiny-clip.safetensors');
  const vocabulary = join(dir, 'tiny-clip.vocab.json');
  writeFileSync(weights, saveClipCheckpoint({ config, weights: initClipWeights(config, seed) }));
  writeFileSync(vocabulary, JSON.stringify(words.toJSON()));
  return { weights, vocabulary };
}

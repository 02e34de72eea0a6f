/**
 * Embedded CLIP models by name: `embedded:shapes32-clip` resolves in the folder
 * STYLEGPU_EMBEDDED_DIR names (here a temporary one holding a freshly initialised tiny model and its
 * vocabulary), loads with its word tokenizer, and unknown names, absent files and a vocabulary from
 * another run are refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '@stylegpu/kernels';
import { embeddedClipUrls, initClipWeights, loadClip, loadClipCheckpoint, saveClipCheckpoint, WordTokenizer, type ClipConfig } from '../src/node.js';

const before = process.env.STYLEGPU_EMBEDDED_DIR;
afterEach(() => {
  if (before === undefined) delete process.env.STYLEGPU_EMBEDDED_DIR;
  else process.env.STYLEGPU_EMBEDDED_DIR = before;
});

const tokenizer = WordTokenizer.fromTexts(['a red circle', 'a blue square on green']);
function tinyConfig(vocabSize: number): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: 8,
    vision: { width: 16, layers: 1, heads: 2, mlpWidth: 32, patchSize: 8, imageSize: 16, ...tower },
    text: { width: 16, layers: 1, heads: 2, mlpWidth: 32, contextLength: 8, vocabSize, ...tower },
  };
}

function writeModel(dir: string, vocabulary: WordTokenizer, vocabSize = vocabulary.vocabularySize): Map<string, Float32Array> {
  const weights = initClipWeights(tinyConfig(vocabSize), 3);
  writeFileSync(join(dir, 'shapes32-clip.safetensors'), saveClipCheckpoint({ config: tinyConfig(vocabSize), weights }));
  writeFileSync(join(dir, 'shapes32-clip.vocab.json'), JSON.stringify(vocabulary.toJSON()));
  return new Map([...weights].map(([k, t]) => [k, t.data as Float32Array]));
}

describe('embedded CLIP models', () => {
  it("resolve to the package's embedded/ folder by default", () => {
    delete process.env.STYLEGPU_EMBEDDED_DIR;
    const urls = embeddedClipUrls('embedded:shapes32-clip');
    expect(fileURLToPath(urls.weights)).toBe(join(import.meta.dirname, '..', 'embedded', 'shapes32-clip.safetensors'));
    expect(fileURLToPath(urls.vocabulary)).toBe(join(import.meta.dirname, '..', 'embedded', 'shapes32-clip.vocab.json'));
  });

  it('load by name with their word tokenizer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-clip-'));
    const weights = writeModel(dir, tokenizer);
    process.env.STYLEGPU_EMBEDDED_DIR = dir;
    const ckpt = await loadClipCheckpoint('embedded:shapes32-clip');
    expect(ckpt.config).toEqual(tinyConfig(tokenizer.vocabularySize));
    for (const [name, data] of weights) expect(ckpt.weights.get(name)!.data, name).toEqual(data);
    const rt = await createRuntime();
    try {
      const { model, tokenizer: loaded } = await loadClip(rt, 'embedded:shapes32-clip');
      expect(loaded?.words).toEqual(tokenizer.words);
      model.checkTokenizer(loaded!);
      model.dispose();
    } finally {
      rt.destroy();
    }
  });

  it('refuse unknown names, absent files and a vocabulary that does not fit', async () => {
    expect(() => embeddedClipUrls('embedded:shapes32')).toThrow("'embedded:shapes32' is not an embedded CLIP model; the embedded CLIP models are embedded:shapes32-clip");
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-clip-bad-'));
    process.env.STYLEGPU_EMBEDDED_DIR = dir;
    await expect(loadClipCheckpoint('embedded:shapes32-clip')).rejects.toThrow(/embedded:shapes32-clip: file:.*shapes32-clip\.safetensors is not there/);
    writeModel(dir, tokenizer, tokenizer.vocabularySize + 2);
    await expect(loadClipCheckpoint('embedded:shapes32-clip')).rejects.toThrow(/the vocabulary has 10 tokens but the model's token embedding has 12 rows/);
  });
});

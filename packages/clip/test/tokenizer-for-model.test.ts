/**
 * Each CLIP model gets the tokenizer it was trained with: a stylegpu word model (embedded name, or
 * `<stem>.vocab.json` beside its .safetensors) its word vocabulary bound to its context length, a
 * Hugging Face folder its own BPE, anything else OpenAI's BPE; a BPE vocabulary given for a word
 * model, a word model without its vocabulary and vocabularies of another run are refused by name.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '@stylegpu/kernels';
import {
  bundledVocabularyPath,
  clipTokenizerChoice,
  initClipWeights,
  loadClip,
  loadClipTokenizer,
  loadTokenizer,
  saveClipCheckpoint,
  WordTokenizer,
  type ClipConfig,
} from '../src/node.js';

const before = process.env.STYLEGPU_EMBEDDED_DIR;
afterEach(() => {
  if (before === undefined) delete process.env.STYLEGPU_EMBEDDED_DIR;
  else process.env.STYLEGPU_EMBEDDED_DIR = before;
});

const fixtures = resolve(import.meta.dirname, '..', 'fixtures');
const words = WordTokenizer.fromTexts(['a red circle', 'a blue square on green']);
const CONTEXT = 6;
function tinyConfig(vocabSize: number): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: 8,
    vision: { width: 16, layers: 1, heads: 2, mlpWidth: 32, patchSize: 8, imageSize: 16, ...tower },
    text: { width: 16, layers: 1, heads: 2, mlpWidth: 32, contextLength: CONTEXT, vocabSize, ...tower },
  };
}
/** A word model as `stylegpu clip train` writes it: `<stem>.safetensors`, and `<stem>.vocab.json` unless `vocabulary` is null. */
function writeWordModel(dir: string, stem: string, vocabulary: WordTokenizer | null, vocabSize = words.vocabularySize): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stem}.safetensors`);
  writeFileSync(file, saveClipCheckpoint({ config: tinyConfig(vocabSize), weights: initClipWeights(tinyConfig(vocabSize), 5) }));
  if (vocabulary) writeFileSync(join(dir, `${stem}.vocab.json`), JSON.stringify(vocabulary.toJSON()));
  return file;
}

describe('the tokenizer that belongs to a CLIP model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stylegpu-clip-tokenizer-for-'));

  it('is the word vocabulary beside a word model, bound to its context length (truncate ignored, unknown words refused)', async () => {
    const file = writeWordModel(join(dir, 'run'), 'clip', words);
    expect(clipTokenizerChoice(file)).toEqual({ kind: 'word', file: join(dir, 'run', 'clip.vocab.json') });
    const { tokenizer } = await loadClipTokenizer(file, tinyConfig(words.vocabularySize));
    const texts = ['a red circle', 'a blue square'];
    const expected = words.tokenize(texts, { contextLength: CONTEXT });
    expect(Array.from(tokenizer.tokenize(texts, { truncate: true }))).toEqual(Array.from(expected));
    expect(Array.from(tokenizer.tokenize(texts))).toEqual(Array.from(expected));
    expect(tokenizer.vocabularySize).toBe(words.vocabularySize);
    expect(() => tokenizer.tokenize(['a photo circle'], { truncate: true })).toThrow(/the word 'photo' .* is not in the vocabulary/);
    expect(() => tokenizer.tokenize(['a red circle on blue green'])).toThrow(/has 6 words, more than the context length 6 holds/);
    expect(() => tokenizer.tokenize(['a red circle'], { contextLength: 77 })).toThrow('asked for rows of 77 tokens, but the model reads 6');
  });

  it('is the embedded vocabulary for an embedded name, from STYLEGPU_EMBEDDED_DIR', async () => {
    const embedded = join(dir, 'embedded');
    writeWordModel(embedded, 'shapes32-clip', words);
    process.env.STYLEGPU_EMBEDDED_DIR = embedded;
    expect(clipTokenizerChoice('embedded:shapes32-clip')).toEqual({ kind: 'word', file: join(embedded, 'shapes32-clip.vocab.json') });
    const { tokenizer } = await loadClipTokenizer('embedded:shapes32-clip', tinyConfig(words.vocabularySize));
    expect(Array.from(tokenizer.tokenize('a green square'))).toEqual(Array.from(words.tokenize('a green square', { contextLength: CONTEXT })));
    process.env.STYLEGPU_EMBEDDED_DIR = join(dir, 'nothing-here');
    await expect(loadClipTokenizer('embedded:shapes32-clip', tinyConfig(words.vocabularySize))).rejects.toThrow(/^embedded:shapes32-clip: file:.*nothing-here\/shapes32-clip\.vocab\.json is not there; .*embedded\/README\.md gives the command/);
  });

  it("is OpenAI's BPE for other files, a Hugging Face folder's own BPE, and --vocab for BPE models", async () => {
    expect(clipTokenizerChoice(join(fixtures, 'clip-tiny-a', 'openai.pt'))).toEqual({ kind: 'bpe', file: bundledVocabularyPath(), given: false });
    const hf = join(dir, 'hf');
    mkdirSync(hf);
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(fixtures, 'clip-tiny-a', 'hf', f), join(hf, f));
    for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(fixtures, 'hf-tiny', f), join(hf, f));
    expect(clipTokenizerChoice(hf)).toEqual({ kind: 'bpe', file: hf, given: false });
    const config = { ...tinyConfig(814) };
    const { tokenizer } = await loadClipTokenizer(hf, config);
    const reference = await loadTokenizer(join(fixtures, 'hf-tiny'));
    expect(Array.from(tokenizer.tokenize('a photo of a cat'))).toEqual(Array.from(reference.tokenize('a photo of a cat')));
    const vocab = join(fixtures, 'hf-tiny');
    expect(clipTokenizerChoice(join(fixtures, 'clip-tiny-a', 'openai.pt'), { vocab })).toEqual({ kind: 'bpe', file: vocab, given: true });
  });

  it('refuses a BPE vocabulary for a word model, a word model without its vocabulary, and a vocabulary of another run', async () => {
    const file = writeWordModel(join(dir, 'bad'), 'clip', words);
    expect(() => clipTokenizerChoice(file, { vocab: bundledVocabularyPath() })).toThrow(
      `${file} is a word-tokenized stylegpu CLIP whose vocabulary is ${join(dir, 'bad', 'clip.vocab.json')}; the BPE vocabulary ${bundledVocabularyPath()} does not apply to it (leave the vocabulary out)`,
    );
    const lone = writeWordModel(join(dir, 'bad'), 'lone', null);
    await expect(loadClipTokenizer(lone, tinyConfig(words.vocabularySize))).rejects.toThrow(
      `${lone}: its token embedding has ${words.vocabularySize} rows, not the 49408 tokens of OpenAI's BPE; a word-tokenized model (written by \`stylegpu clip train\`) needs its vocabulary ${join(dir, 'bad', 'lone.vocab.json')} beside it, and that file is not there`,
    );
    const other = writeWordModel(join(dir, 'bad'), 'other', WordTokenizer.fromTexts(['a red circle']), words.vocabularySize);
    await expect(loadClipTokenizer(other, tinyConfig(words.vocabularySize))).rejects.toThrow(/other\.vocab\.json: the vocabulary has 6 tokens but the model's token embedding has 10 rows; the two files are from different runs/);
    writeFileSync(join(dir, 'bad', 'other.vocab.json'), '{"words": ');
    await expect(loadClipTokenizer(other, tinyConfig(words.vocabularySize))).rejects.toThrow(/other\.vocab\.json is not JSON/);
  });

  it('comes with loadClip for a word model file', async () => {
    const file = writeWordModel(join(dir, 'gpu'), 'clip', words);
    const rt = await createRuntime();
    try {
      const { model, tokenizer } = await loadClip(rt, file);
      expect(tokenizer?.words).toEqual(words.words);
      model.dispose();
      const { model: bpe, tokenizer: none } = await loadClip(rt, join(fixtures, 'clip-tiny-a', 'hf'));
      expect(none).toBeUndefined();
      bpe.dispose();
    } finally {
      rt.destroy();
    }
  });
});

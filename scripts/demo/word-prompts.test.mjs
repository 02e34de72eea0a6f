import { describe, expect, it } from 'vitest';
import { WordTokenizer } from '@stylegpu/clip';
import { trainerTokenizer, unknownWords } from './word-prompts.mjs';

const words = new WordTokenizer(['a', 'red', 'blue', 'square', 'on', 'background']);

describe('trainerTokenizer', () => {
  it("tokenizes as the word tokenizer does at the model's context length, ignoring the BPE options", () => {
    const t = trainerTokenizer(words, 10);
    const texts = ['a red square', 'a blue square on a red background'];
    expect(Array.from(t.tokenize(texts, { truncate: true }))).toEqual(Array.from(words.tokenize(texts, { contextLength: 10 })));
    expect(t.tokenize(texts).length).toBe(20);
    expect(t.vocabularySize).toBe(words.vocabularySize);
  });

  it('refuses a word outside the vocabulary instead of dropping it', () => {
    expect(() => trainerTokenizer(words, 10).tokenize(['a photo of a red square'])).toThrow(/'photo'/);
  });
});

describe('unknownWords', () => {
  it('lists the words the vocabulary lacks, once each, in order of appearance', () => {
    expect(unknownWords(words, ['a bad photo of a red square', 'a photo of a Blue circle'])).toEqual(['bad', 'photo', 'of', 'circle']);
    expect(unknownWords(words, ['A red square.'])).toEqual([]);
  });
});

/**
 * What turns prompts into a CLIP model's token ids, whichever tokenizer the model was trained with:
 * OpenAI's BPE (`ClipTokenizer`, 77 ids per row unless told otherwise) or a stylegpu word vocabulary
 * (`WordTokenizer`, which needs the model's context length). Trainers and commands call
 * `tokenize(texts, { truncate: true })` as OpenAI's code does; a word model is bound to its context
 * length here so that call gives it rows of the right length.
 */
import type { TokenizeOptions } from './tokenizer.js';
import type { WordTokenizer } from './train/word-tokenizer.js';

export interface TextTokenizer {
  /** Rows of the token embedding the ids need (`ClipModel.checkTokenizer`). */
  readonly vocabularySize: number;
  /** texts → ids [texts.length, contextLength], row-major. */
  tokenize(texts: string | readonly string[], options?: TokenizeOptions): Int32Array;
}

/** A word vocabulary bound to its model's context length. */
export interface ModelWordTokenizer extends TextTokenizer {
  readonly kind: 'word';
  readonly words: WordTokenizer;
  readonly contextLength: number;
}

/**
 * `words` at the model's `contextLength`. A word prompt is never cut (`truncate` is ignored): a prompt
 * longer than the context, or a word outside the vocabulary, is an error naming it, since a cut or
 * dropped word would silently change what the prompt means.
 */
export function wordTokenizerForModel(words: WordTokenizer, contextLength: number): ModelWordTokenizer {
  if (!Number.isInteger(contextLength) || contextLength < 2) throw new Error(`wordTokenizerForModel: contextLength must be an integer ≥ 2, got ${contextLength}`);
  return {
    kind: 'word',
    words,
    contextLength,
    vocabularySize: words.vocabularySize,
    tokenize(texts, options = {}) {
      if (options.contextLength !== undefined && options.contextLength !== contextLength) {
        throw new Error(`word tokenizer: asked for rows of ${options.contextLength} tokens, but the model reads ${contextLength}`);
      }
      return words.tokenize(texts, { contextLength });
    },
  };
}

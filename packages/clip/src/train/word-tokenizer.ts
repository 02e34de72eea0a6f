/**
 * A word-level tokenizer for CLIP models trained here on small closed-vocabulary captions (the
 * procedural world's "a small red circle on a blue background"). Why not OpenAI's BPE: its 49 408-row
 * token embedding would dominate a 64–128-wide model (6 M of its parameters, all updated by Adam on
 * every step, while the captions touch a few dozen rows), and captions from a closed grammar gain
 * nothing from sub-words.
 *
 * Ids are laid out so that the existing text tower (`TextTransformer`) works unchanged:
 *   0            padding (as OpenAI pads with 0)
 *   1 … W        the words, sorted
 *   W + 1        start of text
 *   W + 2        end of text, the largest id: the tower reads its features at argmax(ids), OpenAI's rule
 * so `vocabularySize` = W + 3 and a row is [sot, w₁, …, wₖ, eot, 0, …].
 *
 * Text is lower-cased and split into runs of letters and digits; everything else separates words.
 * A word outside the vocabulary is an error naming it (no unknown token: a silent one would make
 * zero-shot prompts quietly meaningless).
 */
export interface WordTokenizeOptions {
  /** Row length; the model's `text.contextLength`. */
  contextLength: number;
}

export interface WordVocabularyJson {
  format: 'stylegpu-word-vocabulary';
  version: 1;
  words: string[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of `text`, lower-cased, in order. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

export class WordTokenizer {
  private readonly ids: ReadonlyMap<string, number>;
  readonly words: readonly string[];
  readonly startOfTextId: number;
  readonly endOfTextId: number;
  readonly paddingId = 0;

  constructor(words: readonly string[]) {
    const seen = new Set<string>();
    for (const w of words) {
      if (typeof w !== 'string' || splitWords(w).length !== 1 || splitWords(w)[0] !== w) {
        throw new Error(`WordTokenizer: ${JSON.stringify(w)} is not a lower-case word of letters and digits`);
      }
      if (seen.has(w)) throw new Error(`WordTokenizer: the word '${w}' is listed twice`);
      seen.add(w);
    }
    if (seen.size === 0) throw new Error('WordTokenizer: the vocabulary is empty');
    this.words = [...seen].sort();
    this.ids = new Map(this.words.map((w, i) => [w, i + 1]));
    this.startOfTextId = this.words.length + 1;
    this.endOfTextId = this.words.length + 2;
  }

  /** The vocabulary of every word in `texts`. */
  static fromTexts(texts: Iterable<string>): WordTokenizer {
    const words = new Set<string>();
    for (const t of texts) for (const w of splitWords(t)) words.add(w);
    if (words.size === 0) throw new Error('WordTokenizer.fromTexts: the texts contain no words');
    return new WordTokenizer([...words]);
  }

  static fromJSON(json: unknown): WordTokenizer {
    const j = json as Partial<WordVocabularyJson> | null;
    if (typeof j !== 'object' || j === null || j.format !== 'stylegpu-word-vocabulary' || !Array.isArray(j.words)) {
      throw new Error("WordTokenizer.fromJSON: not a word vocabulary (expected { format: 'stylegpu-word-vocabulary', version: 1, words: [...] })");
    }
    if (j.version !== 1) throw new Error(`WordTokenizer.fromJSON: vocabulary version ${JSON.stringify(j.version)} is not supported (expected 1)`);
    return new WordTokenizer(j.words);
  }

  toJSON(): WordVocabularyJson {
    return { format: 'stylegpu-word-vocabulary', version: 1, words: [...this.words] };
  }

  /** Rows of the token embedding a model needs for this vocabulary (`ClipModel.checkTokenizer` reads it). */
  get vocabularySize(): number {
    return this.words.length + 3;
  }

  /** The id of one word; throws if it is not in the vocabulary. */
  wordId(word: string): number {
    const id = this.ids.get(word);
    if (id === undefined) throw new Error(`WordTokenizer: the word '${word}' is not in the vocabulary of ${this.words.length} words`);
    return id;
  }

  /** texts → ids [texts.length, contextLength] (row-major), each row [sot, words…, eot, 0…]. */
  tokenize(texts: string | readonly string[], options: WordTokenizeOptions): Int32Array {
    const list = typeof texts === 'string' ? [texts] : texts;
    const L = options.contextLength;
    if (!Number.isInteger(L) || L < 2) throw new Error(`WordTokenizer.tokenize: contextLength must be an integer ≥ 2, got ${L}`);
    const out = new Int32Array(list.length * L);
    list.forEach((text, row) => {
      const words = splitWords(text);
      if (words.length + 2 > L) {
        throw new Error(`WordTokenizer.tokenize: text ${row} has ${words.length} words, more than the context length ${L} holds with start and end tokens: ${JSON.stringify(text)}`);
      }
      const base = row * L;
      out[base] = this.startOfTextId;
      words.forEach((w, i) => {
        const id = this.ids.get(w);
        if (id === undefined) {
          throw new Error(`WordTokenizer.tokenize: the word '${w}' in text ${row} (${JSON.stringify(text)}) is not in the vocabulary of ${this.words.length} words`);
        }
        out[base + 1 + i] = id;
      });
      out[base + 1 + words.length] = this.endOfTextId;
    });
    return out;
  }
}

// OpenAI CLIP's byte-level BPE tokenizer (`clip/simple_tokenizer.py`) and `clip.tokenize`.
//
// Pipeline for one prompt: clean the text (text-fixing.ts), split it into words with CLIP's
// pre-tokenisation pattern, map each word's UTF-8 bytes to their stand-in characters
// (bytes-to-unicode.ts), mark the last character with "</w>", then merge adjacent symbols,
// lowest merge rank first, until no ranked pair is left; each final symbol is one token id.

import { gunzipSync } from 'fflate';
import { BYTE_TO_UNICODE, BYTES_IN_VOCAB_ORDER, UNICODE_TO_BYTE } from './bytes-to-unicode.js';
import { PYTHON_WHITESPACE_CLASS, cleanClipText } from './text-fixing.js';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';
/** CLIP's text context: every tokenized prompt is padded or cut to this many ids. */
export const CLIP_CONTEXT_LENGTH = 77;
/** CLIP uses the first 49152 - 256 - 2 merges of bpe_simple_vocab_16e6.txt, after its header. */
export const OPENAI_MERGE_COUNT = 49152 - 256 - 2;

// Special tokens | contractions | a run of letters | one digit | a run of other non-space.
// Case-insensitive like CLIP's pattern; the text is already lower-cased, so this mainly lets
// "'S" and "'ſ" match the contraction branch the same way Python's `regex` module does.
const WORD_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${PYTHON_WHITESPACE_CLASS}\\p{L}\\p{N}]+`,
  'giu',
);

export interface TokenizeOptions {
  /** Length of each row; CLIP's text encoder needs 77. */
  contextLength?: number;
  /** Cut over-long prompts (last kept id becomes end-of-text) instead of throwing. */
  truncate?: boolean;
  /** Called for each prompt that `truncate` cut, e.g. to log a warning. */
  onTruncate?: (info: { index: number; text: string; tokenCount: number; contextLength: number }) => void;
}

/** A merge pair's lookup key; symbols never contain a space, so the join is unambiguous. */
function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

export class ClipTokenizer {
  private readonly encoder: ReadonlyMap<string, number>;
  private readonly decoder: ReadonlyMap<number, string>;
  private readonly mergeRanks: ReadonlyMap<string, number>;
  // Like CLIP's own cache: every distinct word is merged once; special tokens are pre-seeded so
  // they are never split.
  private readonly cache = new Map<string, string[]>([
    [START_OF_TEXT, [START_OF_TEXT]],
    [END_OF_TEXT, [END_OF_TEXT]],
  ]);
  private readonly utf8 = new TextEncoder();
  readonly startOfTextId: number;
  readonly endOfTextId: number;

  private constructor(vocabulary: ReadonlyMap<string, number>, merges: ReadonlyArray<readonly [string, string]>, source: string) {
    this.encoder = vocabulary;
    const decoder = new Map<number, string>();
    for (const [token, id] of vocabulary) decoder.set(id, token);
    this.decoder = decoder;
    const ranks = new Map<string, number>();
    merges.forEach(([first, second], rank) => {
      const key = pairKey(first, second);
      if (!ranks.has(key)) ranks.set(key, rank);
    });
    this.mergeRanks = ranks;
    const startId = vocabulary.get(START_OF_TEXT);
    const endId = vocabulary.get(END_OF_TEXT);
    if (startId === undefined || endId === undefined) {
      throw new Error(`${source}: vocabulary lacks the special tokens ${START_OF_TEXT} and/or ${END_OF_TEXT}`);
    }
    this.startOfTextId = startId;
    this.endOfTextId = endId;
  }

  /**
   * From OpenAI's `bpe_simple_vocab_16e6.txt.gz` (gzip bytes, or the already-unzipped text).
   * The vocabulary is built as CLIP builds it: 256 byte symbols, the same with "</w>", one token
   * per merge, then <|startoftext|> (49406) and <|endoftext|> (49407).
   */
  static fromOpenAiBpe(bytes: Uint8Array, source = 'OpenAI BPE file'): ClipTokenizer {
    const text = decodeOpenAiBpeBytes(bytes, source);
    const lines = text.split('\n');
    if (!lines[0].includes('#version')) {
      throw new Error(`${source}: expected a BPE merges file starting with a "#version" line, got ${JSON.stringify(lines[0].slice(0, 60))}`);
    }
    const mergeLines = lines.slice(1, 1 + OPENAI_MERGE_COUNT);
    if (mergeLines.length < OPENAI_MERGE_COUNT) {
      throw new Error(`${source}: expected at least ${OPENAI_MERGE_COUNT} merge lines after the header, found ${mergeLines.length}`);
    }
    const merges = mergeLines.map((line, i) => parseMergeLine(line, i + 2, source));
    const byteSymbols = BYTES_IN_VOCAB_ORDER.map((byte) => BYTE_TO_UNICODE[byte]);
    const tokens = [
      ...byteSymbols,
      ...byteSymbols.map((symbol) => symbol + END_OF_WORD),
      ...merges.map(([first, second]) => first + second),
      START_OF_TEXT,
      END_OF_TEXT,
    ];
    // A later duplicate wins, as in Python's dict(zip(vocab, range(len(vocab)))).
    const vocabulary = new Map<string, number>();
    tokens.forEach((token, id) => vocabulary.set(token, id));
    return new ClipTokenizer(vocabulary, merges, source);
  }

  /** From Hugging Face's `vocab.json` (token → id) and `merges.txt` (one "a b" pair per line). */
  static fromHuggingFace(vocabJson: string, mergesTxt: string, source = 'Hugging Face tokenizer files'): ClipTokenizer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(vocabJson);
    } catch (error) {
      throw new Error(`${source}: vocab.json is not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${source}: vocab.json must be a JSON object mapping tokens to ids`);
    }
    const vocabulary = new Map<string, number>();
    for (const [token, id] of Object.entries(parsed)) {
      if (!Number.isInteger(id) || (id as number) < 0) {
        throw new Error(`${source}: vocab.json maps ${JSON.stringify(token)} to ${JSON.stringify(id)}, expected a non-negative integer id`);
      }
      vocabulary.set(token, id as number);
    }
    const merges: Array<readonly [string, string]> = [];
    mergesTxt.split('\n').forEach((line, i) => {
      if (line.trim() === '' || (i === 0 && line.startsWith('#version'))) return;
      merges.push(parseMergeLine(line, i + 1, source));
    });
    for (const [first, second] of merges) {
      if (!vocabulary.has(first + second)) {
        throw new Error(`${source}: merges.txt merges ${JSON.stringify(first)} + ${JSON.stringify(second)} but vocab.json has no ${JSON.stringify(first + second)}`);
      }
    }
    return new ClipTokenizer(vocabulary, merges, source);
  }

  get vocabularySize(): number {
    return this.encoder.size;
  }

  /** The vocabulary string of an id (byte stand-in characters, maybe ending in "</w>"). */
  idToToken(id: number): string | undefined {
    return this.decoder.get(id);
  }

  tokenToId(token: string): number | undefined {
    return this.encoder.get(token);
  }

  /** Token ids of one prompt, without start/end tokens (CLIP's `SimpleTokenizer.encode`). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanClipText(text).matchAll(WORD_PATTERN)) {
      const word = Array.from(this.utf8.encode(match[0]), (byte) => BYTE_TO_UNICODE[byte]).join('');
      for (const symbol of this.bytePairEncode(word)) {
        const id = this.encoder.get(symbol);
        if (id === undefined) throw new Error(`token ${JSON.stringify(symbol)} is not in the vocabulary`);
        ids.push(id);
      }
    }
    return ids;
  }

  /**
   * `clip.tokenize`: one row of `contextLength` ids per prompt, [start, ...ids, end, 0, 0, ...],
   * returned as a row-major N × contextLength Int32Array.
   */
  tokenize(texts: string | readonly string[], options: TokenizeOptions = {}): Int32Array {
    const contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`contextLength must be an integer >= 2 (room for start and end tokens); got ${contextLength}`);
    }
    const prompts = typeof texts === 'string' ? [texts] : texts;
    const rows = new Int32Array(prompts.length * contextLength);
    prompts.forEach((text, index) => {
      let ids = [this.startOfTextId, ...this.encode(text), this.endOfTextId];
      if (ids.length > contextLength) {
        if (!options.truncate) {
          const preview = text.length > 60 ? `${text.slice(0, 57)}...` : text;
          throw new Error(
            `prompt ${index} (${JSON.stringify(preview)}) is ${ids.length} tokens including start and end, ` +
              `more than the context length ${contextLength}; shorten it or pass { truncate: true }`,
          );
        }
        options.onTruncate?.({ index, text, tokenCount: ids.length, contextLength });
        ids = ids.slice(0, contextLength);
        ids[contextLength - 1] = this.endOfTextId;
      }
      rows.set(ids, index * contextLength);
    });
    return rows;
  }

  /** Text for token ids (CLIP's `SimpleTokenizer.decode`): "</w>" becomes a space. */
  decode(ids: Iterable<number>): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.decoder.get(id);
      if (token === undefined) throw new Error(`token id ${id} is not in the vocabulary (size ${this.vocabularySize})`);
      for (const character of token) {
        const byte = UNICODE_TO_BYTE.get(character);
        if (byte === undefined) throw new Error(`token ${JSON.stringify(token)} (id ${id}) has a character outside the byte alphabet`);
        bytes.push(byte);
      }
    }
    // Invalid UTF-8 (e.g. a cut multi-byte character) decodes to U+FFFD, like errors="replace".
    return new TextDecoder('utf-8').decode(new Uint8Array(bytes)).replaceAll(END_OF_WORD, ' ');
  }

  /** Splits one byte-mapped word into vocabulary symbols by repeatedly applying the best merge. */
  private bytePairEncode(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let symbols = Array.from(word);
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let best: readonly [string, string] | undefined;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.mergeRanks.get(pairKey(symbols[i], symbols[i + 1]));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = [symbols[i], symbols[i + 1]];
        }
      }
      if (!best) break;
      // Merge every non-overlapping occurrence of the pair, scanning left to right.
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === best[0] && symbols[i + 1] === best[1]) {
          merged.push(best[0] + best[1]);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols = merged;
    }
    this.cache.set(word, symbols);
    return symbols;
  }
}

function decodeOpenAiBpeBytes(bytes: Uint8Array, source: string): string {
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let raw = bytes;
  if (isGzip) {
    try {
      raw = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${source}: looks like gzip but could not be decompressed (${(error as Error).message})`);
    }
  } else if (!new TextDecoder().decode(bytes.subarray(0, 64)).includes('#version')) {
    throw new Error(`${source}: expected gzip-compressed BPE merges (bpe_simple_vocab_16e6.txt.gz) or their text, got neither`);
  }
  return new TextDecoder('utf-8').decode(raw);
}

function parseMergeLine(line: string, lineNumber: number, source: string): readonly [string, string] {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === '') {
    throw new Error(`${source}: line ${lineNumber} should be a merge "left right", got ${JSON.stringify(line.slice(0, 60))}`);
  }
  return [parts[0], parts[1]];
}

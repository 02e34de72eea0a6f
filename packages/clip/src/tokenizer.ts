// OpenAI CLIP's byte-level BPE tokenizer (`clip/simple_tokenizer.py`) and `clip.tokenize`.
//
// Pipeline for one prompt: clean the text (text-fixing.ts), split it into words with CLIP's
// pre-tokenisation pattern, map each word's UTF-8 bytes to their stand-in characters
// (bytes-to-unicode.ts), mark the last character with "</w>", then merge adjacent symbols,
// lowest merge rank first, until no ranked pair is left (byte-pair-merge.ts); each final symbol
// is one token id.
//
// The vocabulary itself: Node loads the copy shipped in this package (vocab/, see
// tokenizer-node.ts); browsers fetch that file (or any other) and pass its bytes to fromOpenAiBpe.

import { BYTE_TO_UNICODE, BYTES_IN_VOCAB_ORDER, UNICODE_TO_BYTE } from './bytes-to-unicode.js';
import { formatBytes, gunzipBounded, isGzip } from './bounded-gunzip.js';
import { bytePairMerge } from './byte-pair-merge.js';
import { PYTHON_WHITESPACE_CLASS, cleanClipText } from './text-fixing.js';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';
/** CLIP's text context: every tokenized prompt is padded or cut to this many ids. */
export const CLIP_CONTEXT_LENGTH = 77;
/** CLIP uses the first 49152 - 256 - 2 merges of bpe_simple_vocab_16e6.txt, after its header. */
export const OPENAI_MERGE_COUNT = 49152 - 256 - 2;
/**
 * Largest vocabulary text accepted (decompressed). OpenAI's file is 3.2 MB unzipped; the limit keeps a
 * damaged gzip trailer or a decompression bomb from allocating gigabytes.
 */
export const MAX_VOCABULARY_BYTES = 16 * 1024 * 1024;
/**
 * `tokenize` reads at most this many UTF-16 units of each prompt. A full 77-token row is a few
 * hundred characters; the cap bounds the time a pathological prompt can take (the ftfy-style
 * clean-up repeats until nothing changes, so deeply nested HTML entities cost quadratic time).
 * `encode` has no cap.
 */
export const MAX_TOKENIZED_PROMPT_LENGTH = 16 * 1024;
// Words longer than this (in bytes) are not cached: they are rare and would pin memory.
const MAX_CACHED_WORD_LENGTH = 128;
const MAX_CACHE_ENTRIES = 65_536;

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
  /**
   * Called for each prompt that `truncate` cut, e.g. to log a warning. Encoding stops as soon as a
   * prompt is known not to fit, so `tokenCount` is a lower bound (contextLength + 1), not the full count.
   */
  onTruncate?: (info: { index: number; text: string; tokenCount: number; contextLength: number }) => void;
}

export interface OpenAiBpeOptions {
  /** Merges used after the "#version" header line; CLIP uses 48894 (OPENAI_MERGE_COUNT). */
  mergeCount?: number;
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
  private readonly cache = new Map<string, string[]>();
  private readonly rankOf = (first: string, second: string) => this.mergeRanks.get(pairKey(first, second));
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
  static fromOpenAiBpe(bytes: Uint8Array, source = 'OpenAI BPE file', options: OpenAiBpeOptions = {}): ClipTokenizer {
    const mergeCount = options.mergeCount ?? OPENAI_MERGE_COUNT;
    if (!Number.isInteger(mergeCount) || mergeCount < 0) throw new Error(`${source}: mergeCount must be a non-negative integer, got ${mergeCount}`);
    const text = decodeOpenAiBpeBytes(bytes, source);
    const lines = text.split('\n', mergeCount + 1);
    if (!lines[0].includes('#version')) {
      throw new Error(`${source}: expected a BPE merges file starting with a "#version" line, got ${JSON.stringify(lines[0].slice(0, 60))}`);
    }
    const mergeLines = lines.slice(1, 1 + mergeCount);
    if (mergeLines.length < mergeCount) {
      throw new Error(`${source}: expected at least ${mergeCount} merge lines after the header, found ${mergeLines.length} (a truncated vocabulary file?)`);
    }
    const merges = mergeLines.map((line, i) => parseMergeLine(line, i + 2, source));
    const byteSymbols = BYTES_IN_VOCAB_ORDER.map((byte) => BYTE_TO_UNICODE[byte]);
    checkMergesBuildOnKnownTokens(merges, [...byteSymbols, ...byteSymbols.map((symbol) => symbol + END_OF_WORD)], source);
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

  /**
   * Fetches an OpenAI-format vocabulary (gzip or text) and builds the tokenizer: the browser's way
   * to get one, e.g. from where your app serves this package's vocab/bpe_simple_vocab_16e6.txt.gz.
   */
  static async fromUrl(url: string | URL, options: OpenAiBpeOptions = {}): Promise<ClipTokenizer> {
    const source = String(url);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`${source}: could not fetch the CLIP vocabulary (${(error as Error).message})`);
    }
    if (!response.ok) throw new Error(`${source}: fetching the CLIP vocabulary failed with HTTP ${response.status} ${response.statusText}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_VOCABULARY_BYTES) {
      throw new Error(`${source}: ${declared} bytes is more than any BPE vocabulary (expected bpe_simple_vocab_16e6.txt.gz, ~1.3 MB)`);
    }
    return ClipTokenizer.fromOpenAiBpe(new Uint8Array(await response.arrayBuffer()), source, options);
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
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0x7fffffff) {
        throw new Error(`${source}: vocab.json maps ${JSON.stringify(token)} to ${JSON.stringify(id)}, expected a non-negative 32-bit integer id`);
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
    const tokenizer = new ClipTokenizer(vocabulary, merges, source);
    // Any text starts as byte symbols, so without all of them some prompts could not be encoded.
    for (const symbol of BYTE_TO_UNICODE) {
      for (const token of [symbol, symbol + END_OF_WORD]) {
        if (!vocabulary.has(token)) {
          throw new Error(`${source}: vocab.json lacks the byte token ${JSON.stringify(token)}; a CLIP vocabulary needs all 256 byte symbols, with and without "</w>"`);
        }
      }
    }
    return tokenizer;
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
    this.encodeInto(cleanClipText(text), ids, Infinity);
    return ids;
  }

  /**
   * `clip.tokenize`: one row of `contextLength` ids per prompt, [start, ...ids, end, 0, 0, ...],
   * returned as a row-major N × contextLength Int32Array. Each prompt is encoded only until it is
   * known not to fit, and at most its first MAX_TOKENIZED_PROMPT_LENGTH characters are read.
   */
  tokenize(texts: string | readonly string[], options: TokenizeOptions = {}): Int32Array {
    const contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`contextLength must be an integer >= 2 (room for start and end tokens); got ${contextLength}`);
    }
    const prompts = typeof texts === 'string' ? [texts] : texts;
    const rows = new Int32Array(prompts.length * contextLength);
    const room = contextLength - 2;
    prompts.forEach((text, index) => {
      const ids = [this.startOfTextId];
      // One id more than fits is enough to know the prompt overflows.
      this.encodeInto(cleanClipText(boundedPrompt(text)), ids, 1 + room + 1);
      if (ids.length > 1 + room) {
        if (!options.truncate) {
          const preview = text.length > 60 ? `${text.slice(0, 57)}...` : text;
          throw new Error(
            `prompt ${index} (${JSON.stringify(preview)}) needs more than the context length ${contextLength} tokens ` +
              `(start and end included); shorten it or pass { truncate: true }`,
          );
        }
        options.onTruncate?.({ index, text, tokenCount: contextLength + 1, contextLength });
        ids.length = 1 + room;
      }
      ids.push(this.endOfTextId);
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

  /** Appends the ids of cleaned text's words to `ids`, stopping once it holds `limit` ids. */
  private encodeInto(cleaned: string, ids: number[], limit: number): void {
    if (ids.length >= limit) return;
    for (const match of cleaned.matchAll(WORD_PATTERN)) {
      for (const symbol of this.bytePairEncode(match[0])) {
        const id = this.encoder.get(symbol);
        if (id === undefined) throw new Error(`token ${JSON.stringify(symbol)} is not in the vocabulary`);
        ids.push(id);
        if (ids.length >= limit) return;
      }
    }
  }

  /** Splits one word into vocabulary symbols by byte-pair merging its UTF-8 byte symbols. */
  private bytePairEncode(word: string): readonly string[] {
    // Special tokens are never split, as CLIP pre-seeds its cache with them.
    if (word === START_OF_TEXT || word === END_OF_TEXT) return [word];
    const cached = this.cache.get(word);
    if (cached) return cached;
    const symbols = Array.from(this.utf8.encode(word), (byte) => BYTE_TO_UNICODE[byte]);
    symbols[symbols.length - 1] += END_OF_WORD;
    const merged = bytePairMerge(symbols, this.rankOf);
    if (word.length <= MAX_CACHED_WORD_LENGTH) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
      this.cache.set(word, merged);
    }
    return merged;
  }
}

/** The first MAX_TOKENIZED_PROMPT_LENGTH UTF-16 units, not splitting a surrogate pair. */
function boundedPrompt(text: string): string {
  if (text.length <= MAX_TOKENIZED_PROMPT_LENGTH) return text;
  let end = MAX_TOKENIZED_PROMPT_LENGTH;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}

/** Every merge must join two tokens that exist by then: byte symbols or results of earlier merges. */
function checkMergesBuildOnKnownTokens(merges: ReadonlyArray<readonly [string, string]>, byteTokens: readonly string[], source: string): void {
  const known = new Set(byteTokens);
  merges.forEach(([first, second], i) => {
    for (const part of [first, second]) {
      if (!known.has(part)) {
        throw new Error(
          `${source}: line ${i + 2} merges ${JSON.stringify(first)} + ${JSON.stringify(second)}, but ${JSON.stringify(part)} is neither a byte symbol ` +
            'nor the result of an earlier merge (a damaged vocabulary file?)',
        );
      }
    }
    known.add(first + second);
  });
}

function decodeOpenAiBpeBytes(bytes: Uint8Array, source: string): string {
  let raw = bytes;
  if (isGzip(bytes)) {
    // Never trust the gzip size trailer: inflate with a ceiling.
    raw = gunzipBounded(bytes, MAX_VOCABULARY_BYTES, source);
  } else if (!new TextDecoder().decode(bytes.subarray(0, 64)).includes('#version')) {
    throw new Error(`${source}: expected gzip-compressed BPE merges (bpe_simple_vocab_16e6.txt.gz) or their text, got neither`);
  } else if (bytes.length > MAX_VOCABULARY_BYTES) {
    throw new Error(`${source}: ${bytes.length} bytes of BPE text is more than the ${formatBytes(MAX_VOCABULARY_BYTES)} a vocabulary may have`);
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

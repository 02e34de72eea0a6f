/**
 * Fuzzes the CLIP tokenizer: its vocabulary loaders on mutated vocabulary files (a 300-merge cut of OpenAI's
 * file, gzipped and plain; Hugging Face vocab.json), and `tokenize` on arbitrary Unicode built from mutated
 * real captions. A vocabulary must load or be refused with a clear Error, and one that loads must tokenize;
 * text must always tokenize, never throw, and give exactly contextLength ids.
 * STYLEGPU_FUZZ_CASES=10000 npx vitest run fuzz  runs the full size.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFuzzReport, fuzz, fuzzCases, fuzzSeed, mulberry32 } from '@stylegpu/io/testing';
import { gunzipSync, gzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer, CLIP_CONTEXT_LENGTH } from '../../src/index.js';
import { loadTokenizer } from '../../src/node.js';

const QUICK = 300;
const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.resolve(here, '../../fixtures');
const shipped = readFileSync(path.resolve(here, '../../vocab/bpe_simple_vocab_16e6.txt.gz'));
const SMALL_MERGES = 300;

// The header and the first 400 merges, of which 300 are used: small enough to load thousands of times, with
// spare lines so that a mutation deleting a few does not always leave too few.
const smallVocabText = new TextEncoder().encode(new TextDecoder().decode(gunzipSync(shipped)).split('\n').slice(0, 1 + 400).join('\n') + '\n');
const smallVocabGzip = gzipSync(smallVocabText);
// A copy: a Buffer's slice() is a view, so the fuzzer's mutations would pile up in the corpus itself.
const hfVocabJson = new Uint8Array(readFileSync(path.join(fixturesDir, 'hf-tiny', 'vocab.json')));
const hfMerges = readFileSync(path.join(fixturesDir, 'hf-tiny', 'merges.txt'), 'utf8');

const captions: string[] = [
  ...(JSON.parse(readFileSync(path.join(fixturesDir, 'tokenizer-cases.json'), 'utf8')) as { cases: Array<{ text: string }> }).cases.map((c) => c.text),
  'a sketch of a smiling woman with glasses',
  'an oil painting of a lighthouse at dusk, highly detailed',
];

/** A failure the harness must count: a thrown non-Error (an Error would count as a clean refusal). */
function fail(message: string): never {
  throw `${message}`; // eslint-disable-line no-throw-literal
}

/** After a vocabulary loads, it must tokenize a caption into a well-formed row. */
function checkLoaded(tokenizer: ClipTokenizer): void {
  let row: Int32Array;
  try {
    row = tokenizer.tokenize('a photo of a cat, 東京 🐱 &amp; café', { truncate: true });
  } catch (e) {
    fail(`a vocabulary that loaded could not tokenize: ${(e as Error).message}`);
  }
  if (row.length !== CLIP_CONTEXT_LENGTH) fail(`row of ${row.length} ids`);
}

// ---- arbitrary text -------------------------------------------------------------------------------------------

const COMBINING = [0x0300, 0x0301, 0x0308, 0x0327, 0x034f, 0x0489, 0x20dd, 0x1ab0, 0xfe20];
const ENTITIES = ['&amp;', '&lt;', '&#x1F431;', '&#128;', '&#0;', '&#xD800;', '&eacute;', '&EACUTE;', '&ampfoo', '&amp;amp;amp;', '&#99999999;', '&NotANamedThing;', '&;', '&#'];

/** One generated piece: random code points from every plane, lone surrogates, combining marks, entities, huge words. */
function piece(next: () => number): string {
  const int = (n: number) => Math.floor(next() * n);
  switch (int(7)) {
    case 0: // code points across all planes (surrogates excluded: fromCodePoint would pair them)
      return Array.from({ length: 1 + int(40) }, () => {
        const plane = int(17);
        let cp = plane * 0x10000 + int(0x10000);
        if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
        return String.fromCodePoint(cp);
      }).join('');
    case 1: // lone surrogates, high and low, among letters
      return Array.from({ length: 1 + int(10) }, () => String.fromCharCode(0xd800 + int(0x800)) + 'ab'.slice(0, int(3))).join('');
    case 2: // a base letter under a pile of combining marks
      return 'aeoZ'[int(4)] + Array.from({ length: int(200) }, () => String.fromCharCode(COMBINING[int(COMBINING.length)])).join('');
    case 3: // HTML entities, nested and broken
      return Array.from({ length: 1 + int(12) }, () => ENTITIES[int(ENTITIES.length)]).join(int(2) ? '' : ' ');
    case 4: // a huge word: random letters, or one letter repeated, past the tokenize cap
      return int(2)
        ? Array.from({ length: 1000 + int(40_000) }, () => String.fromCharCode(97 + int(26))).join('')
        : 'abcdefghijklmnopqrstuvwxyzéß東'[int(29)].repeat(1000 + int(40_000));
    case 5: // whitespace and control characters of every kind
      return Array.from({ length: 1 + int(30) }, () => '\t\n\v\f\r \x1c\x1f\x85\xa0\u1680\u2028\u3000\u200b\ufeff\x00\x1b[31m'[int(19)]).join('');
    default: // special tokens and contraction fragments
      return ['<|startoftext|>', '<|endoftext|>', "'s", "'LL", "'ſ", '<|', '|>'][int(7)];
  }
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) & 0xff;
    out[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
}

/**
 * The text of one case: the mutated caption's bytes read as UTF-16 code units (so mutations make any code
 * unit, lone surrogates included), with up to three generated pieces spliced in, chosen by a seed taken from
 * the bytes themselves so a failing case's input reproduces it.
 */
function textOf(bytes: Uint8Array): string {
  let hash = 2166136261;
  for (const b of bytes) hash = Math.imul(hash ^ b, 16777619);
  const next = mulberry32(hash >>> 0);
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
  for (let k = Math.floor(next() * 4); k > 0; k--) {
    const at = Math.floor(next() * (text.length + 1));
    text = text.slice(0, at) + piece(next) + text.slice(at);
  }
  return text;
}

let tokenizer: ClipTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer();
});

describe('CLIP tokenizer under fuzzing', () => {
  it('the vocabulary corpus loads', () => {
    checkLoaded(ClipTokenizer.fromOpenAiBpe(smallVocabGzip, 'small.gz', { mergeCount: SMALL_MERGES }));
    checkLoaded(ClipTokenizer.fromOpenAiBpe(smallVocabText, 'small.txt', { mergeCount: SMALL_MERGES }));
    checkLoaded(ClipTokenizer.fromHuggingFace(new TextDecoder().decode(hfVocabJson), hfMerges));
  });

  for (const [target, corpus] of [
    ['fromOpenAiBpe (gzip, 300 merges)', [smallVocabGzip]],
    ['fromOpenAiBpe (text, 300 merges)', [smallVocabText]],
  ] as const) {
    it(`${target}: mutated vocabularies load and tokenize, or are refused with a clear Error`, async () => {
      const report = await fuzz({
        target,
        corpus,
        run: (bytes) => checkLoaded(ClipTokenizer.fromOpenAiBpe(bytes, 'vocab', { mergeCount: SMALL_MERGES })),
        cases: fuzzCases(QUICK),
        seed: fuzzSeed(),
      });
      console.log(formatFuzzReport(report));
      expect(report.failures).toEqual([]);
    });
  }

  it('fromHuggingFace: mutated vocab.json loads and tokenizes, or is refused with a clear Error', async () => {
    const report = await fuzz({
      target: 'fromHuggingFace (vocab.json)',
      corpus: [hfVocabJson],
      run: (bytes) => checkLoaded(ClipTokenizer.fromHuggingFace(new TextDecoder().decode(bytes), hfMerges, 'hf')),
      cases: fuzzCases(QUICK),
      seed: fuzzSeed(),
    });
    console.log(formatFuzzReport(report));
    expect(report.failures).toEqual([]);
  });

  it('tokenize: arbitrary Unicode always gives exactly contextLength ids, never an error', async () => {
    const report = await fuzz({
      target: 'tokenize (arbitrary text)',
      corpus: captions.map(utf16le),
      run: (bytes) => {
        const text = textOf(bytes);
        let row: Int32Array;
        try {
          row = tokenizer.tokenize([text], { truncate: true });
        } catch (e) {
          fail(`tokenize threw on ${JSON.stringify(text.slice(0, 80))} (${text.length} chars): ${(e as Error).message}`);
        }
        if (row.length !== CLIP_CONTEXT_LENGTH) fail(`row of ${row.length} ids`);
        if (row[0] !== tokenizer.startOfTextId) fail(`row starts with ${row[0]}`);
        // The row ends at its last non-zero id, which must be end-of-text; zeros after it are padding. (The text
        // may spell out the special tokens, and '!' is id 0, so both can occur inside too.)
        let end = row.length - 1;
        while (end > 0 && row[end] === 0) end--;
        if (end < 1 || row[end] !== tokenizer.endOfTextId) fail(`row does not close with end-of-text: ${row.join(',')}`);
        for (let i = 1; i < end; i++) if (row[i] < 0 || row[i] >= tokenizer.vocabularySize) fail(`id ${row[i]} at ${i}`);
        tokenizer.decode(row.subarray(1, end));
      },
      cases: fuzzCases(QUICK),
      seed: fuzzSeed(),
    });
    console.log(formatFuzzReport(report));
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
  });
});

import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { BYTE_TO_UNICODE, ClipTokenizer, MAX_TOKENIZED_PROMPT_LENGTH, MAX_VOCABULARY_BYTES, cleanClipText, htmlUnescape } from '../src/index.js';
import { bundledVocabularyPath, loadTokenizer } from '../src/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// The copy shipped in the package, which loadTokenizer() uses when given no path.
const bpePath = path.resolve(here, '../vocab/bpe_simple_vocab_16e6.txt.gz');
const fixturesDir = path.resolve(here, '../fixtures');

interface TokenizerCase {
  text: string;
  cleaned: string;
  ids: number[];
  tokenized: number[] | null;
  truncated: number[];
  decoded: string;
}
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'tokenizer-cases.json'), 'utf8')) as {
  cases: TokenizerCase[];
  hfTiny: Array<{ text: string; ids: number[]; tokenized: number[] }>;
};

let tokenizer: ClipTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer();
});

function label(text: string): string {
  return JSON.stringify(text.length > 50 ? `${text.slice(0, 47)}...` : text);
}

describe('ClipTokenizer on OpenAI bpe_simple_vocab_16e6', () => {
  it('has CLIP vocabulary layout: 49408 ids, special tokens last', () => {
    expect(tokenizer.vocabularySize).toBe(49408);
    expect(tokenizer.startOfTextId).toBe(49406);
    expect(tokenizer.endOfTextId).toBe(49407);
    // Byte symbols in vocabulary order: '!' is id 0, and 'a' + '</w>' is 256 + ('a' - '!').
    expect(tokenizer.decode([0])).toBe('!');
    expect(tokenizer.encode('a')).toEqual([256 + ('a'.charCodeAt(0) - 33)]);
  });

  it('matches the known OpenAI ids for "a photo of a cat"', () => {
    expect(Array.from(tokenizer.tokenize('a photo of a cat').subarray(0, 8))).toEqual([
      49406, 320, 1125, 539, 320, 2368, 49407, 0,
    ]);
  });

  it('the fixture covers the required kinds of prompts', () => {
    const texts = fixture.cases.map((c) => c.text).join('\n');
    for (const needle of ['1234567890', "don't", 'Café', '東京', '🐱', '&amp;', '\t\t', 'A PHOTO', '<|startoftext|>']) {
      expect(texts).toContain(needle);
    }
    expect(fixture.cases.some((c) => c.tokenized === null)).toBe(true);
  });

  for (const testCase of fixture.cases) {
    it(`matches the Python reference for ${label(testCase.text)}`, () => {
      expect(cleanClipText(testCase.text)).toBe(testCase.cleaned);
      expect(tokenizer.encode(testCase.text)).toEqual(testCase.ids);
      expect(tokenizer.decode(testCase.ids)).toBe(testCase.decoded);
      expect(Array.from(tokenizer.tokenize([testCase.text], { truncate: true }))).toEqual(testCase.truncated);
      if (testCase.tokenized) {
        expect(Array.from(tokenizer.tokenize(testCase.text))).toEqual(testCase.tokenized);
      } else {
        expect(() => tokenizer.tokenize(testCase.text)).toThrow(/more than the context length 77.*truncate: true/);
      }
    });
  }

  it('splits numbers into single digits', () => {
    const ids = tokenizer.encode('2024');
    expect(ids).toHaveLength(4);
    expect(tokenizer.decode(ids)).toBe('2 0 2 4 ');
  });

  it('tokenizes a batch into N x 77 rows with zero padding', () => {
    const rows = tokenizer.tokenize(['a cat', 'a photo of a dog']);
    expect(rows).toBeInstanceOf(Int32Array);
    expect(rows.length).toBe(2 * 77);
    expect(Array.from(rows.subarray(0, 4))).toEqual([49406, 320, 2368, 49407]);
    expect(rows[4]).toBe(0);
    expect(rows[77]).toBe(49406);
    expect(rows.subarray(77 + 7).every((id) => id === 0)).toBe(true);
  });

  it('truncates to the context length with end-of-text last, and reports it', () => {
    const long = fixture.cases.find((c) => c.tokenized === null)!;
    const seen: number[] = [];
    const row = tokenizer.tokenize(long.text, { truncate: true, onTruncate: (info) => seen.push(info.tokenCount) });
    expect(row[76]).toBe(49407);
    expect(Array.from(row.subarray(1, 76))).toEqual(long.ids.slice(0, 75));
    // Encoding stops at the first id that does not fit, so the count reported is contextLength + 1.
    expect(long.ids.length + 2).toBeGreaterThan(78);
    expect(seen).toEqual([78]);
    const short = tokenizer.tokenize('a cat', { contextLength: 3, truncate: true });
    expect(Array.from(short)).toEqual([49406, 320, 49407]);
  });

  it('loads the vocabulary shipped in the package by default', () => {
    expect(bundledVocabularyPath()).toBe(bpePath);
  });

  it('stops encoding once a prompt overflows: a 1.7 MB prompt gives the same row as its start', () => {
    // Before, the whole text was encoded first (and merging was quadratic per word), so this hung.
    const huge = 'a photo of a cat '.repeat(100_000);
    const row = tokenizer.tokenize(huge, { truncate: true });
    const cycle = [320, 1125, 539, 320, 2368];
    expect(Array.from(row.subarray(1, 76))).toEqual(Array.from({ length: 75 }, (_, i) => cycle[i % 5]));
    expect([row[0], row[76]]).toEqual([49406, 49407]);
    expect(() => tokenizer.tokenize(huge)).toThrow(/prompt 0 .* needs more than the context length 77 tokens.*truncate: true/);
  });

  it('reads at most MAX_TOKENIZED_PROMPT_LENGTH characters of a prompt', () => {
    const padding = ' '.repeat(MAX_TOKENIZED_PROMPT_LENGTH);
    expect(Array.from(tokenizer.tokenize(`a cat${padding}`).subarray(0, 5))).toEqual([49406, 320, 2368, 49407, 0]);
    // Text after the cap is not read; encode() has no cap.
    expect(Array.from(tokenizer.tokenize(`${padding}a cat`).subarray(0, 3))).toEqual([49406, 49407, 0]);
    expect(tokenizer.encode(`${padding}a cat`)).toEqual([320, 2368]);
  });

  it('encodes a 256 KB word of random letters (merging is O(n log n)) and decodes it back', () => {
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const word = Array.from({ length: 256 * 1024 }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
    const ids = tokenizer.encode(word);
    expect(ids.length).toBeGreaterThan(1000);
    expect(tokenizer.decode(ids)).toBe(`${word} `);
  }, 30_000);

  it('rejects a context length with no room for start and end', () => {
    expect(() => tokenizer.tokenize('a', { contextLength: 1 })).toThrow(/contextLength must be an integer >= 2/);
  });

  it('decodes unknown ids with a clear error', () => {
    expect(() => tokenizer.decode([49408])).toThrow(/token id 49408 is not in the vocabulary/);
  });
});

describe('htmlUnescape (Python html.unescape semantics)', () => {
  it('handles named, legacy, numeric and invalid references', () => {
    expect(htmlUnescape('&amp; &lt;&gt; &eacute; &ampfoo &notit; &NotANamedThing;')).toBe('& <> é &foo ¬it; &NotANamedThing;');
    expect(htmlUnescape('&#65;&#x42;&#X43 &#128; &#0; &#xD800; &#1114112; &#1; &constructor;')).toBe(
      'ABC € \ufffd \ufffd \ufffd  &constructor;',
    );
  });
});

describe('Hugging Face vocab.json + merges.txt', () => {
  it('a tiny committed vocabulary gives the Python reference ids', async () => {
    const tiny = await loadTokenizer(path.join(fixturesDir, 'hf-tiny'));
    expect(tiny.vocabularySize).toBe(512 + 300 + 2);
    for (const testCase of fixture.hfTiny) {
      expect(tiny.encode(testCase.text)).toEqual(testCase.ids);
      expect(Array.from(tiny.tokenize(testCase.text))).toEqual(testCase.tokenized);
    }
  });

  it('the full vocabulary converted to HF format at runtime matches the OpenAI loader', () => {
    const vocab: Record<string, number> = {};
    for (let id = 0; id < tokenizer.vocabularySize; id++) {
      vocab[tokenizer.idToToken(id)!] = id;
    }
    const mergeLines = new TextDecoder()
      .decode(readFileSyncGunzip(bpePath))
      .split('\n')
      .slice(1, 1 + 48894);
    // HF's merges.txt starts with a plain "#version" header where OpenAI's has a file name too.
    mergeLines.unshift('#version: 0.2');
    const hf = ClipTokenizer.fromHuggingFace(JSON.stringify(vocab), mergeLines.join('\n'));
    for (const testCase of fixture.cases) expect(hf.encode(testCase.text)).toEqual(testCase.ids);
  });
});

describe('loader errors', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'clip-tokenizer-'));

  it('names a missing path', async () => {
    const missing = path.join(scratch, 'nope.txt.gz');
    await expect(loadTokenizer(missing)).rejects.toThrow(`CLIP tokenizer not found at ${missing}`);
  });

  it('rejects a file that is neither gzip nor BPE text', async () => {
    const wrong = path.join(scratch, 'wrong.bin');
    writeFileSync(wrong, 'PK\u0003\u0004 definitely a zip');
    await expect(loadTokenizer(wrong)).rejects.toThrow(new RegExp(`${escape(wrong)}: expected gzip-compressed BPE merges`));
  });

  it('rejects corrupt gzip', async () => {
    const corrupt = path.join(scratch, 'corrupt.txt.gz');
    writeFileSync(corrupt, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]));
    await expect(loadTokenizer(corrupt)).rejects.toThrow(/corrupt\.txt\.gz: looks like gzip but could not be decompressed/);
  });

  it('rejects gzip that does not hold BPE merges, or too few of them', async () => {
    const notBpe = path.join(scratch, 'not-bpe.txt.gz');
    writeFileSync(notBpe, gzipSync(new TextEncoder().encode('hello world\n')));
    await expect(loadTokenizer(notBpe)).rejects.toThrow(/not-bpe\.txt\.gz: expected a BPE merges file starting with a "#version" line/);
    const short = path.join(scratch, 'short.txt.gz');
    writeFileSync(short, gzipSync(new TextEncoder().encode('#version: 0.2\ni n\nt h\n')));
    await expect(loadTokenizer(short)).rejects.toThrow(/short\.txt\.gz: expected at least 48894 merge lines/);
  });

  it('fromUrl (the browser path) fetches the vocabulary, and names the URL when the fetch fails', async () => {
    const vocab = readFileSync(bpePath);
    const server = createServer((request, response) => {
      if (request.url === '/vocab.txt.gz') response.writeHead(200, { 'content-type': 'application/gzip' }).end(vocab);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const fetched = await ClipTokenizer.fromUrl(`${base}/vocab.txt.gz`);
      expect(Array.from(fetched.tokenize('a photo of a cat').subarray(0, 7))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
      await expect(ClipTokenizer.fromUrl(`${base}/missing.gz`)).rejects.toThrow(`${base}/missing.gz: fetching the CLIP vocabulary failed with HTTP 404`);
    } finally {
      server.close();
    }
  });

  it('ignores a gzip size trailer that claims 4 GB (it used to be allocated up front)', () => {
    const bytes = readFileSync(bpePath).slice();
    new DataView(bytes.buffer).setUint32(bytes.length - 4, 0xffffffff, true);
    expect(ClipTokenizer.fromOpenAiBpe(bytes, 'lying-trailer.gz').vocabularySize).toBe(49408);
  });

  it('refuses a decompression bomb and oversized text with a clear error', () => {
    const line = new TextEncoder().encode('a a\n');
    const text = new Uint8Array(MAX_VOCABULARY_BYTES + 4096);
    text.set(new TextEncoder().encode('#version: 0.2\n'));
    for (let at = 14; at + 4 <= text.length; at += 4) text.set(line, at);
    const bomb = gzipSync(text, { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_VOCABULARY_BYTES / 100);
    expect(() => ClipTokenizer.fromOpenAiBpe(bomb, 'bomb.gz')).toThrow(/^bomb\.gz: decompresses to more than 16 MiB/);
    expect(() => ClipTokenizer.fromOpenAiBpe(text, 'big.txt')).toThrow(/^big\.txt: \d+ bytes of BPE text is more than the 16 MiB/);
  });

  it('refuses merges of tokens that do not exist yet, naming the line', () => {
    const lines = new TextDecoder().decode(readFileSyncGunzip(bpePath)).split('\n');
    lines[5] = 'q zzz';
    expect(() => ClipTokenizer.fromOpenAiBpe(new TextEncoder().encode(lines.join('\n')), 'damaged.txt')).toThrow(
      /^damaged\.txt: line 6 merges "q" \+ "zzz", but "zzz" is neither a byte symbol nor the result of an earlier merge/,
    );
  });

  it('reads a vocabulary with fewer merges when told how many (same ids as the HF tiny fixture)', () => {
    const lines = new TextDecoder().decode(readFileSyncGunzip(bpePath)).split('\n').slice(0, 301);
    const small = ClipTokenizer.fromOpenAiBpe(gzipSync(new TextEncoder().encode(lines.join('\n'))), 'small.gz', { mergeCount: 300 });
    for (const testCase of fixture.hfTiny) expect(small.encode(testCase.text)).toEqual(testCase.ids);
    expect(() => ClipTokenizer.fromOpenAiBpe(new TextEncoder().encode(lines.join('\n')), 'small.txt')).toThrow(
      /small\.txt: expected at least 48894 merge lines after the header, found 300/,
    );
  });

  it('rejects HF folders with missing files, bad JSON, missing special tokens or bad merges', async () => {
    const folder = path.join(scratch, 'hf');
    mkdirSync(folder);
    await expect(loadTokenizer(folder)).rejects.toThrow(/has no readable vocab\.json/);
    const byteVocab: Record<string, number> = {};
    BYTE_TO_UNICODE.forEach((symbol, byte) => {
      byteVocab[symbol] = byte;
    });
    writeFileSync(path.join(folder, 'vocab.json'), JSON.stringify(byteVocab));
    await expect(loadTokenizer(folder)).rejects.toThrow(/has no readable merges\.txt/);
    writeFileSync(path.join(folder, 'merges.txt'), '#version: 0.2\n');
    await expect(loadTokenizer(folder)).rejects.toThrow(/lacks the special tokens <\|startoftext\|>/);
    writeFileSync(path.join(folder, 'vocab.json'), '{not json');
    await expect(loadTokenizer(folder)).rejects.toThrow(/vocab\.json is not valid JSON/);
    writeFileSync(path.join(folder, 'vocab.json'), JSON.stringify({ ...byteVocab, '<|startoftext|>': 256, '<|endoftext|>': 257 }));
    writeFileSync(path.join(folder, 'merges.txt'), '#version: 0.2\ni n\n');
    await expect(loadTokenizer(folder)).rejects.toThrow(/merges "i" \+ "n" but vocab\.json has no "in"/);
    writeFileSync(path.join(folder, 'merges.txt'), '#version: 0.2\nthree part line\n');
    await expect(loadTokenizer(folder)).rejects.toThrow(/line 2 should be a merge "left right"/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readFileSyncGunzip(file: string): Uint8Array {
  return gunzipSync(readFileSync(file));
}

/**
 * Fuzzes the PNG and JPEG decoders with mutations of small valid files at awkward sizes in every layout the
 * codecs read: grey, grey+alpha, RGB, RGBA, 16-bit, palette (8- and 4-bit, with tRNS), Adam7-interlaced; JPEGs
 * of colour and grey content at several qualities. Every case must decode or throw a clear `Error`.
 * STYLEGPU_FUZZ_CASES=10000 npx vitest run fuzz  runs the full size.
 */
import { describe, expect, it } from 'vitest';
import { decodeJpeg, decodePng, encodeJpeg, encodePng, type Channels, type RasterImage } from '../../src/image-codec.js';
import { pngChunk, pngFile, repairPngCrcs, scanlines } from '../png-chunks.js';
import { concatBytes, formatFuzzReport, fuzz, fuzzCases, fuzzSeed, mulberry32 } from '../../src/testing/index.js';
import { deflateSync } from 'node:zlib';

const QUICK = 300;

function randomImage(width: number, height: number, channels: Channels, seed: number): RasterImage {
  const next = mulberry32(seed);
  return { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, () => Math.floor(next() * 256)) };
}

/** A palette PNG: PLTE of `colours` entries, a tRNS for the first few, indices packed at `bitDepth`. */
function palettePng(width: number, height: number, bitDepth: 4 | 8, seed: number): Uint8Array {
  const next = mulberry32(seed);
  const colours = bitDepth === 4 ? 16 : 40;
  const plte = Uint8Array.from({ length: colours * 3 }, () => Math.floor(next() * 256));
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const raw = new Uint8Array(height * (1 + rowBytes));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = Math.floor(next() * colours);
      const at = y * (1 + rowBytes) + 1;
      if (bitDepth === 8) raw[at + x] = index;
      else raw[at + (x >> 1)] |= x % 2 === 0 ? index << 4 : index;
    }
  }
  const file = pngFile({ width, height, bitDepth, colourType: 3 }, raw);
  // Insert PLTE and tRNS after the IHDR (8-byte signature + 25-byte IHDR chunk).
  const extra = [pngChunk('PLTE', plte), pngChunk('tRNS', new Uint8Array([0, 128, 255]))];
  const parts = [file.subarray(0, 33), ...extra, file.subarray(33)];
  return concatBytes(...parts);
}

/** 16-bit grey, big-endian samples, written by hand (pngjs's encoder writes 8-bit only). */
function grey16Png(width: number, height: number, seed: number): Uint8Array {
  const pixels = randomImage(width * 2, height, 1, seed).data;
  return pngFile({ width, height, bitDepth: 16, colourType: 0 }, scanlines(width, height, 2, pixels, false));
}

const pngCorpus = [
  encodePng(randomImage(7, 5, 1, 1)),
  encodePng(randomImage(3, 11, 2, 2)),
  encodePng(randomImage(13, 1, 3, 3)),
  encodePng(randomImage(1, 9, 4, 4)),
  palettePng(5, 4, 8, 5),
  palettePng(7, 3, 4, 6),
  grey16Png(3, 3, 7),
  pngFile({ width: 6, height: 5, colourType: 2, interlace: 1 }, scanlines(6, 5, 3, randomImage(6, 5, 3, 8).data, true)),
  pngFile({ width: 9, height: 2, colourType: 6 }, scanlines(9, 2, 4, randomImage(9, 2, 4, 9).data, false)),
  // Several IDAT chunks: zlib data split in two.
  (() => {
    const raw = scanlines(4, 4, 1, randomImage(4, 4, 1, 10).data, false);
    const z = new Uint8Array(deflateSync(raw));
    const one = pngFile({ width: 4, height: 4 }, raw, { idat: z.subarray(0, 5) });
    const second = pngChunk('IDAT', z.subarray(5));
    const iend = one.length - 12;
    return Uint8Array.from([...one.subarray(0, iend), ...second, ...one.subarray(iend)]);
  })(),
];

function greyContent(width: number, height: number, seed: number): RasterImage {
  const grey = randomImage(width, height, 1, seed);
  return { width, height, channels: 3, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => grey.data[Math.floor(i / 3)]) };
}

const jpegCorpus = [
  encodeJpeg(randomImage(1, 1, 3, 11), 90),
  encodeJpeg(randomImage(9, 7, 3, 12), 90),
  encodeJpeg(randomImage(17, 3, 3, 13), 50),
  encodeJpeg(randomImage(16, 16, 4, 14), 100),
  encodeJpeg(greyContent(10, 13, 15), 75),
  encodeJpeg(randomImage(33, 2, 3, 16), 20),
];

describe('image codecs under fuzzing', () => {
  it('the corpus decodes', () => {
    for (const bytes of pngCorpus) expect(decodePng(bytes).width).toBeGreaterThan(0);
    for (const bytes of jpegCorpus) expect(decodeJpeg(bytes).width).toBeGreaterThan(0);
  });

  it('PNG: every mutated file decodes or is refused with a clear "png:" error', async () => {
    const report = await fuzz({
      target: 'decodePng',
      corpus: pngCorpus,
      run: (bytes) => decodePng(bytes),
      cases: fuzzCases(QUICK),
      seed: fuzzSeed(),
      judge: (err) => (/^png: /.test(err.message) ? undefined : `message does not start with "png: ": ${err.message}`),
    });
    console.log(formatFuzzReport(report));
    expect(report.failures).toEqual([]);
  });

  it('PNG with chunk CRCs repaired after mutation (so damage reaches pngjs past its CRC check)', async () => {
    const report = await fuzz({
      target: 'decodePng (CRCs repaired)',
      corpus: pngCorpus,
      run: (bytes) => decodePng(repairPngCrcs(bytes)),
      cases: fuzzCases(QUICK),
      seed: fuzzSeed(),
      judge: (err) => (/^png: /.test(err.message) ? undefined : `message does not start with "png: ": ${err.message}`),
    });
    console.log(formatFuzzReport(report));
    expect(report.failures).toEqual([]);
  });

  it('JPEG: every mutated file decodes or is refused with a clear "jpeg:" error', async () => {
    const report = await fuzz({
      target: 'decodeJpeg',
      corpus: jpegCorpus,
      run: (bytes) => decodeJpeg(bytes),
      cases: fuzzCases(QUICK),
      seed: fuzzSeed(),
      judge: (err) => (/^jpeg: /.test(err.message) ? undefined : `message does not start with "jpeg: ": ${err.message}`),
    });
    console.log(formatFuzzReport(report));
    expect(report.failures).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  convertChannels,
  decodeImage,
  decodeJpeg,
  decodePng,
  encodeJpeg,
  encodePng,
  type Channels,
  type RasterImage,
} from '../src/image-codec.js';
import { imageGrid } from '../src/image-grid.js';
import jpeg from 'jpeg-js';
import { deflateSync } from 'node:zlib';
import { mulberry32 } from '../src/testing/seeded-random.js';
import { expected, fixture } from './helpers.js';
import { pngFile, scanlines } from './png-chunks.js';

function randomImage(width: number, height: number, channels: Channels, seed: number): RasterImage {
  const next = mulberry32(seed);
  return { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, () => Math.floor(next() * 256)) };
}

describe('png', () => {
  it.each([1, 2, 3, 4] as Channels[])('round-trips random %i-channel images of odd size exactly', (channels) => {
    const image = randomImage(7, 5, channels, channels);
    const back = decodePng(encodePng(image));
    expect(back).toEqual(image);
  });

  it('decodes 16-bit RGB by rounding each sample to 8 bits', () => {
    const im = decodePng(fixture('rgb16.png'));
    expect([im.width, im.height, im.channels]).toEqual([2, 2, 3]);
    expect(Array.from(im.data)).toEqual(expected.png.rgb16.rgb);
  });

  it('decodes 8-bit grey as one channel, or replicated to RGB on request', () => {
    const grey = decodePng(fixture('grey8.png'));
    expect([grey.width, grey.height, grey.channels]).toEqual([3, 2, 1]);
    expect(Array.from(grey.data)).toEqual(expected.png.grey8.grey);
    const rgb = decodePng(fixture('grey8.png'), { channels: 3 });
    expect(Array.from(rgb.data)).toEqual(expected.png.grey8.grey.flatMap((v: number) => [v, v, v]));
  });

  it('decodes a 4-bit palette image to RGB', () => {
    const im = decodePng(fixture('palette4.png'));
    expect([im.width, im.height, im.channels]).toEqual([3, 2, 3]);
    expect(Array.from(im.data)).toEqual(expected.png.palette4.rgb);
  });

  it('refuses damaged files and bad rasters with a clear error', () => {
    const bytes = encodePng(randomImage(4, 4, 3, 9));
    expect(() => decodePng(bytes.slice(0, 30))).toThrow(/^png: cannot decode/);
    expect(() => decodePng(new Uint8Array(8))).toThrow(/^png: cannot decode/);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      /png: 2×2×3 needs 12 bytes, data has 11/,
    );
  });
});

describe('jpeg', () => {
  it('round-trips within JPEG quantisation error at quality 100 on a smooth image', () => {
    // A smooth gradient: at quality 100 the quantisation tables are all ones, so the only loss is DCT rounding
    // and YCbCr conversion; a few levels of error at most.
    const width = 16;
    const height = 16;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data.set([x * 12, y * 12, 128], (y * width + x) * 3);
      }
    }
    const image: RasterImage = { width, height, channels: 3, data };
    const back = decodeJpeg(encodeJpeg(image, 100));
    expect([back.width, back.height, back.channels]).toEqual([16, 16, 3]);
    let maxErr = 0;
    for (let i = 0; i < data.length; i++) maxErr = Math.max(maxErr, Math.abs(back.data[i] - data[i]));
    expect(maxErr).toBeLessThanOrEqual(3);
    expect(decodeImage(encodeJpeg(image, 100))).toEqual(back);
  });

  it('refuses bytes that are not JPEG', () => {
    expect(() => decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]))).toThrow(/^jpeg: cannot decode/);
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]))).toThrow(/unrecognised format/);
  });
});

describe('untrusted files', () => {
  it('refuses a 57-byte PNG claiming 2³¹-1 × 2³¹-1 pixels before pngjs sees it (it aborted the process in zlib)', () => {
    const bomb = pngFile({ width: 0x7fffffff, height: 0x7fffffff }, new Uint8Array(0), { idat: new Uint8Array(0) });
    expect(bomb.length).toBe(57);
    expect(() => decodePng(bomb)).toThrow(/^png: 2147483647×2147483647 is wider than the limit of 16384 pixels \(raise it with \{ maxWidth \}\)/);
    expect(() => decodeImage(bomb)).toThrow(/wider than the limit/);
  });

  it('refuses a 30000×30000 header (it decoded for 77 s into 9.7 GB), and one within the limits whose data is too short', () => {
    const raw = deflateSync(new Uint8Array(1000));
    expect(() => decodePng(pngFile({ width: 30000, height: 30000 }, new Uint8Array(0), { idat: raw }))).toThrow(/^png: 30000×30000 is wider than the limit/);
    expect(() => decodePng(pngFile({ width: 8000, height: 8000, colourType: 6 }, new Uint8Array(0), { idat: raw }))).toThrow(
      /^png: cannot decode \(8000×8000 needs 256008000 bytes of image data, but the IDAT chunks hold only \d+ compressed bytes/,
    );
    // Raised limits still never let a tiny file allocate the image it claims.
    const limits = { maxWidth: 40000, maxHeight: 40000, maxPixels: 2e9 };
    expect(() => decodePng(pngFile({ width: 30000, height: 30000 }, new Uint8Array(0), { idat: raw }), limits)).toThrow(/truncated or damaged/);
  });

  it('applies maxWidth, maxHeight and maxPixels to PNG and JPEG, with the option to raise them in the message', () => {
    const png = encodePng(randomImage(9, 5, 3, 1));
    const jpg = encodeJpeg(randomImage(9, 5, 3, 1));
    for (const [bytes, what] of [[png, 'png'], [jpg, 'jpeg']] as const) {
      expect(() => decodeImage(bytes, { maxWidth: 8 })).toThrow(new RegExp(`^${what}: 9×5 is wider than the limit of 8 pixels \\(raise it with \\{ maxWidth \\}\\)`));
      expect(() => decodeImage(bytes, { maxHeight: 4 })).toThrow(new RegExp(`^${what}: 9×5 is taller than the limit of 4 pixels`));
      expect(() => decodeImage(bytes, { maxPixels: 44 })).toThrow(new RegExp(`^${what}: 9×5 is 45 pixels, more than the limit of 44`));
      expect(decodeImage(bytes, { maxWidth: 9, maxHeight: 5, maxPixels: 45 }).width).toBe(9);
    }
  });

  it('decodes interlaced (Adam7) PNGs of awkward sizes exactly', () => {
    for (const [width, height, channels, colourType] of [[5, 3, 3, 2], [1, 1, 1, 0], [9, 10, 4, 6], [2, 7, 2, 4]] as const) {
      const image = randomImage(width, height, channels, width * 31 + height);
      const file = pngFile({ width, height, colourType, interlace: 1 }, scanlines(width, height, channels, image.data, true));
      expect(decodePng(file), `${width}×${height}×${channels}`).toEqual(image);
      // The same pixels without interlacing, written by hand too: checks the scanline helper itself.
      expect(decodePng(pngFile({ width, height, colourType }, scanlines(width, height, channels, image.data, false)))).toEqual(image);
    }
  });

  it('refuses an interlaced PNG whose data inflates far past its size (pngjs inflated it without a limit)', () => {
    const needed = scanlines(4, 4, 1, new Uint8Array(16), true);
    const bomb = pngFile({ width: 4, height: 4, interlace: 1 }, new Uint8Array(8 << 20));
    expect(() => decodePng(bomb)).toThrow(new RegExp(`^png: cannot decode \\(the image data inflates to more than the ${needed.length} bytes its size needs`));
  });

  it('turns JPEG decoder crashes into a clear error (a one-byte change made jpeg-js throw a TypeError)', () => {
    const width = 9;
    const height = 7;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 256);
    const bytes = encodeJpeg({ width, height, channels: 3, data }, 90);
    bytes[155] = 225;
    expect(() => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false })).toThrow(TypeError);
    let thrown: unknown;
    try {
      decodeJpeg(bytes);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe('jpeg: cannot decode: not a valid JPEG file (jpeg-js failed on malformed data with an internal TypeError)');
  });

  it('refuses a JPEG frame header claiming 65535 × 65535 before decoding', () => {
    const bytes = encodeJpeg(randomImage(8, 8, 3, 5));
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
    bytes.set([0xff, 0xff, 0xff, 0xff], sof + 5);
    expect(() => decodeJpeg(bytes)).toThrow(/^jpeg: 65535×65535 is wider than the limit of 16384 pixels/);
    expect(() => decodeJpeg(bytes, { maxWidth: 1e5, maxHeight: 1e5 })).toThrow(/^jpeg: 65535×65535 is 4294836225 pixels, more than the limit of 67108864/);
    // Within the limits but far more blocks than an 8×8 image's few hundred bytes can code.
    bytes.set([0x10, 0x00, 0x10, 0x00], sof + 5);
    expect(() => decodeJpeg(bytes)).toThrow(/^jpeg: cannot decode: not a valid JPEG file \(its 4096×4096 frame has 262144 blocks, each coded in at least one bit, but the file is only \d+ bytes: truncated or damaged\)/);
  });
});

describe('channel conversion', () => {
  it('uses ITU-R 601 luma for colour → grey and keeps alpha', () => {
    const rgba: RasterImage = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 7, 10, 200, 30, 9]) };
    expect(Array.from(convertChannels(rgba, 2).data)).toEqual([76, 7, 124, 9]);
    expect(Array.from(convertChannels(rgba, 3).data)).toEqual([255, 0, 0, 10, 200, 30]);
    const grey: RasterImage = { width: 1, height: 1, channels: 1, data: new Uint8Array([42]) };
    expect(Array.from(convertChannels(grey, 4).data)).toEqual([42, 42, 42, 255]);
  });
});

describe('imageGrid', () => {
  // Image i is filled with the value i + 1 so every output pixel tells which cell it came from.
  const tiles = (n: number, w: number, h: number, c: Channels) =>
    Array.from({ length: n }, (_, i) => ({ width: w, height: h, channels: c, data: new Uint8Array(w * h * c).fill(i + 1) }));

  it('places image i at row i/cols, column i%cols, with padding around and between', () => {
    const grid = imageGrid(tiles(5, 3, 2, 1), { cols: 2, padding: 1 });
    expect([grid.width, grid.height, grid.channels]).toEqual([2 * 4 + 1, 3 * 3 + 1, 1]);
    const rows: string[] = [];
    for (let y = 0; y < grid.height; y++) rows.push(Array.from(grid.data.subarray(y * grid.width, (y + 1) * grid.width)).join(''));
    expect(rows).toEqual([
      '000000000',
      '011102220',
      '011102220',
      '000000000',
      '033304440',
      '033304440',
      '000000000',
      '055500000',
      '055500000',
      '000000000',
    ]);
  });

  it('defaults to a near-square seamless grid and keeps pixel contents and order', () => {
    const images = Array.from({ length: 4 }, (_, i) => randomImage(3, 2, 3, 100 + i));
    const grid = imageGrid(images);
    expect([grid.width, grid.height]).toEqual([6, 4]);
    for (let i = 0; i < 4; i++) {
      const x0 = (i % 2) * 3;
      const y0 = Math.floor(i / 2) * 2;
      for (let y = 0; y < 2; y++) {
        const row = grid.data.subarray(((y0 + y) * 6 + x0) * 3, ((y0 + y) * 6 + x0 + 3) * 3);
        expect(Array.from(row)).toEqual(Array.from(images[i].data.subarray(y * 9, (y + 1) * 9)));
      }
    }
  });

  it('fills padding and empty cells with the background colour', () => {
    const grid = imageGrid(tiles(1, 1, 1, 3), { cols: 2, padding: 1, background: [9, 8, 7] });
    expect([grid.width, grid.height]).toEqual([5, 3]);
    expect(Array.from(grid.data.subarray(0, 3))).toEqual([9, 8, 7]);
    expect(Array.from(grid.data.subarray((1 * 5 + 1) * 3, (1 * 5 + 2) * 3))).toEqual([1, 1, 1]);
    expect(Array.from(grid.data.subarray((1 * 5 + 3) * 3, (1 * 5 + 4) * 3))).toEqual([9, 8, 7]);
  });

  it('refuses mismatched images and bad options', () => {
    expect(() => imageGrid([])).toThrow(/no images/);
    expect(() => imageGrid([...tiles(2, 2, 2, 3), ...tiles(1, 2, 3, 3)])).toThrow(/image 2 is 2×3×3, but image 0 is 2×2×3/);
    expect(() => imageGrid(tiles(2, 1, 1, 1), { cols: 0 })).toThrow(/cols must be a positive integer/);
    expect(() => imageGrid(tiles(2, 1, 1, 3), { background: [1, 2] })).toThrow(/background has 2 values for 3 channels/);
  });
});

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
} from '../../src/io/image-codec.js';
import { imageGrid } from '../../src/io/image-grid.js';
import { expected, fixture, rng } from './helpers.js';

function randomImage(width: number, height: number, channels: Channels, seed: number): RasterImage {
  const next = rng(seed);
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

/**
 * Training data sources (CPU only): every epoch of an image set is a permutation of it, batches
 * are functions of the step (what bit-exact resume relies on), pixels become x/127.5 − 1 in NCHW,
 * `mirror` adds exact x-flips; world sources ask the world for the right indices; PNG folders
 * are read in name order and refused clearly when the images do not fit.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RasterImage, encodePng } from '@stylegpu/io';
import { ImageArraySource } from '../src/train/image-source.js';
import { pngFolderSource } from '../src/train/png-folder-source.js';
import { type WorldLike, worldImageSource } from '../src/train/world-source.js';

const R = 4;
/** Image i: every pixel (x, y, c) = 10·i + x + 2·y + c (distinct per image and position). */
function image(i: number): RasterImage {
  const data = new Uint8Array(R * R * 3);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) for (let c = 0; c < 3; c++) data[(y * R + x) * 3 + c] = 10 * i + x + 2 * y + c;
  return { width: R, height: R, channels: 3, data };
}
/** Which image (and whether flipped) sample k of a batch is, read back from its pixels. */
function identify(batch: Float32Array, k: number): { index: number; flipped: boolean } {
  const at = (c: number, y: number, x: number) => Math.round((batch[((k * 3 + c) * R + y) * R + x] + 1) * 127.5);
  const v00 = at(0, 0, 0);
  const v30 = at(0, 0, 3);
  return v30 > v00 ? { index: v00 / 10, flipped: false } : { index: v30 / 10, flipped: true };
}

describe('ImageArraySource', () => {
  const images = [0, 1, 2, 3, 4].map(image);

  it('serves each epoch as a permutation, as x/127.5 − 1 in NCHW, the same for the same step', () => {
    const src = new ImageArraySource(images, { seed: 7 });
    const b = src.batch(0, 5);
    expect(b.length).toBe(5 * 3 * R * R);
    const first = [0, 1, 2, 3, 4].map((k) => identify(b, k).index);
    expect([...first].sort()).toEqual([0, 1, 2, 3, 4]);
    // Exact conversion of one pixel: image i at (c 2, y 1, x 3) = 10i + 3 + 2 + 2.
    const i0 = first[0];
    expect(b[(2 * R + 1) * R + 3]).toBe(Math.fround((10 * i0 + 7) / 127.5 - 1));
    expect(src.batch(0, 5)).toEqual(b);
    // Epochs continue across batches: steps 1 and 2 of size 5 are the next two epochs, each a permutation.
    for (const step of [1, 2]) {
      const ids = [0, 1, 2, 3, 4].map((k) => identify(src.batch(step, 5), k).index);
      expect([...ids].sort()).toEqual([0, 1, 2, 3, 4]);
    }
    const orders = [0, 1, 2, 3].map((s) => [0, 1, 2, 3, 4].map((k) => identify(src.batch(s, 5), k).index).join());
    expect(new Set(orders).size).toBeGreaterThan(1);
    // Another seed, another order (for at least one of several epochs).
    const other = new ImageArraySource(images, { seed: 8 });
    expect([0, 1, 2, 3].map((s) => [0, 1, 2, 3, 4].map((k) => identify(other.batch(s, 5), k).index).join())).not.toEqual(orders);
  });

  it('mirror doubles the set with exact x-flips', () => {
    const src = new ImageArraySource(images, { seed: 3, mirror: true });
    expect(src.length).toBe(10);
    const b = src.batch(0, 10);
    const seen = [...Array(10).keys()].map((k) => identify(b, k));
    expect(seen.filter((s) => s.flipped).length).toBe(5);
    expect(new Set(seen.map((s) => `${s.index}${s.flipped}`)).size).toBe(10);
    const k = seen.findIndex((s) => s.flipped);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < R; y++) {
        for (let x = 0; x < R; x++) expect(b[((k * 3 + c) * R + y) * R + x]).toBe(Math.fround((10 * seen[k].index + (R - 1 - x) + 2 * y + c) / 127.5 - 1));
      }
    }
  });

  it('refuses mismatched, non-square or 4-channel images and bad batch arguments', () => {
    expect(() => new ImageArraySource([])).toThrow(/no images/);
    expect(() => new ImageArraySource([image(0), { width: 8, height: 8, channels: 3, data: new Uint8Array(192) }], { name: 'set' })).toThrow(/set: image 1 is 8×8×3, image 0 is 4×4×3/);
    expect(() => new ImageArraySource([{ width: 4, height: 2, channels: 3, data: new Uint8Array(24) }])).toThrow(/must be square, got 4×2/);
    expect(() => new ImageArraySource([{ width: 2, height: 2, channels: 4, data: new Uint8Array(16) }])).toThrow(/1 or 3 channels, got 4/);
    expect(() => new ImageArraySource(images).batch(-1, 2)).toThrow(/needs a step ≥ 0 and a size ≥ 1/);
  });
});

describe('worldImageSource', () => {
  /** A stand-in world whose sample i is flat at value i / 100 (no dependency on @stylegpu/world). */
  function fakeWorld(calls: number[][]): WorldLike {
    return {
      id: 'world:fake',
      resolution: R,
      batch(indices) {
        calls.push([...indices]);
        const out = new Float32Array(indices.length * 3 * R * R);
        indices.forEach((i, k) => {
          for (let c = 0; c < 3; c++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) out[((k * 3 + c) * R + y) * R + x] = i / 100 + x / 1000;
        });
        return { pixels: out };
      },
    };
  }

  it('asks for fresh indices step·batch … (endless), or epoch permutations of a finite dataset', () => {
    const calls: number[][] = [];
    const endless = worldImageSource(fakeWorld(calls), { seed: 1 });
    expect([endless.name, endless.resolution, endless.channels]).toEqual(['world:fake', R, 3]);
    endless.batch(3, 4);
    expect(calls.at(-1)).toEqual([12, 13, 14, 15]);
    const finite = worldImageSource(fakeWorld(calls), { seed: 1, datasetSize: 6 });
    finite.batch(0, 6);
    expect([...calls.at(-1)!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    finite.batch(1, 6);
    expect([...calls.at(-1)!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    finite.batch(0, 6);
    const again = calls.at(-1)!;
    expect(calls.at(-3)).toEqual(again);
    expect(() => worldImageSource(fakeWorld(calls), { datasetSize: 0 })).toThrow(/world:fake: dataset size must be a positive integer/);
  });

  it('mirror flips about half the draws, exactly, and the same ones for the same step', async () => {
    const calls: number[][] = [];
    const src = worldImageSource(fakeWorld(calls), { seed: 5, mirror: true });
    const b = await src.batch(0, 64);
    let flipped = 0;
    for (let k = 0; k < 64; k++) {
      const row = b.subarray(k * 3 * R * R, k * 3 * R * R + R);
      const want = Array.from({ length: R }, (_, x) => Math.fround(k / 100 + x / 1000));
      if (row[0] > row[R - 1]) {
        flipped++;
        expect([...row]).toEqual(want.reverse());
      } else expect([...row]).toEqual(want);
    }
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
    expect(src.batch(0, 64)).toEqual(b);
  });
});

describe('pngFolderSource', () => {
  function folder(files: Record<string, RasterImage | string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-pngs-'));
    for (const [name, im] of Object.entries(files)) writeFileSync(join(dir, name), typeof im === 'string' ? im : encodePng(im));
    return dir;
  }
  const flat = (size: number, v: number, channels: 1 | 3 = 3): RasterImage => ({ width: size, height: size, channels, data: new Uint8Array(size * size * channels).fill(v) });

  it('reads every .png by name, grey as RGB, with the folder as its name', async () => {
    const dir = folder({ 'b.png': flat(8, 200, 1), 'a.png': flat(8, 100), 'notes.txt': 'x' });
    const src = await pngFolderSource(dir, { seed: 0 });
    expect([src.length, src.resolution, src.channels, src.name]).toEqual([2, 8, 3, dir]);
    const b = src.batch(0, 2);
    const values = [b[0], b[3 * 64]].map((v) => Math.round((v + 1) * 127.5)).sort();
    expect(values).toEqual([100, 200]);
  });

  it('refuses folders it cannot train on, naming the file', async () => {
    await expect(pngFolderSource(join(tmpdir(), 'no-such-folder-stylegpu'))).rejects.toThrow(/cannot read it/);
    const empty = mkdtempSync(join(tmpdir(), 'stylegpu-empty-'));
    mkdirSync(join(empty, 'sub'));
    await expect(pngFolderSource(empty)).rejects.toThrow(/no \.png files/);
    await expect(pngFolderSource(folder({ 'a.png': { width: 8, height: 16, channels: 3, data: new Uint8Array(8 * 16 * 3) } }))).rejects.toThrow(/a\.png is 8×16; training images must be square with a power-of-two side/);
    await expect(pngFolderSource(folder({ 'a.png': flat(12, 0) }))).rejects.toThrow(/a\.png is 12×12/);
    await expect(pngFolderSource(folder({ 'a.png': flat(8, 0), 'b.png': flat(16, 0) }))).rejects.toThrow(/b\.png is 16×16 but a\.png is 8×8/);
    await expect(pngFolderSource(folder({ 'a.png': flat(8, 0) }), { resolution: 16 })).rejects.toThrow(/its images are 8×8, but --resolution is 16/);
    await expect(pngFolderSource(folder({ 'bad.png': 'not a png' }))).rejects.toThrow(/bad\.png: png: cannot decode/);
  });
});

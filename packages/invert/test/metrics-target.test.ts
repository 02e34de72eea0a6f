/**
 * PSNR and SSIM on hand-computed cases; projection targets from image files: crop, Lanczos downscale, and
 * clear refusals of a missing file, something that is not an image, and an image smaller than the generator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '@stylegpu/io';
import { psnr } from '../src/metrics/psnr.js';
import { gaussianWindow, ssim } from '../src/metrics/ssim.js';
import { lanczosTaps, projectionTarget } from '../src/projection/target-image.js';
import { loadProjectionTarget } from '../src/files/load-target.js';

describe('psnr', () => {
  it('is 10·log10(255² / MSE)', () => {
    // Errors of 0, 2, 0, 2 → MSE 2.
    expect(psnr([10, 20, 30, 40], [10, 22, 30, 42])).toBeCloseTo(10 * Math.log10((255 * 255) / 2), 12);
    expect(psnr([1, 2], [1, 2])).toBe(Infinity);
  });
});

describe('ssim', () => {
  it('is 1 for identical images', () => {
    const a = Array.from({ length: 3 * 16 * 16 }, (_, i) => (i * 37) % 251);
    expect(ssim(a, a, 3, 16, 16)).toBeCloseTo(1, 12);
  });

  it('constant images: (2ab + C1) / (a² + b² + C1)', () => {
    const a = new Array(11 * 11).fill(100);
    const b = new Array(11 * 11).fill(150);
    const c1 = (0.01 * 255) ** 2;
    expect(ssim(a, b, 1, 11, 11)).toBeCloseTo((2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1), 12);
  });

  it('y = 2x − m on a mean-m antisymmetric window: (4σ² + C2) / (5σ² + C2), σ² = a²(1 − g[5])', () => {
    // x = m + a·sign(col − 5): the Gaussian-weighted mean is m, the weighted variance a²·(1 − weight of column 5).
    const m = 120;
    const amp = 20;
    const x: number[] = [];
    for (let r = 0; r < 11; r++) for (let c = 0; c < 11; c++) x.push(m + amp * Math.sign(c - 5));
    const y = x.map((v) => 2 * v - m);
    const g5 = gaussianWindow(11, 1.5)[5];
    const s2 = amp * amp * (1 - g5);
    const c2 = (0.03 * 255) ** 2;
    expect(ssim(x, y, 1, 11, 11)).toBeCloseTo((4 * s2 + c2) / (5 * s2 + c2), 12);
  });

  it('averages over the valid windows and channels', () => {
    // Two channels: one identical (1), one constant pair; 12×12 → 2×2 windows each.
    const same = Array.from({ length: 144 }, (_, i) => i % 7);
    const a = [...same, ...new Array(144).fill(100)];
    const b = [...same, ...new Array(144).fill(150)];
    const c1 = (0.01 * 255) ** 2;
    expect(ssim(a, b, 2, 12, 12)).toBeCloseTo((1 + (2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1)) / 2, 12);
  });
});

describe('projection targets', () => {
  it('Lanczos taps sum to 1 and keep a constant image constant; the crop is centred', () => {
    for (const [i, o] of [[64, 16], [40, 16], [17, 16]]) for (const t of lanczosTaps(i, o)) expect(t.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(1, 12);
    // 24×16 RGB: a red band of 4 columns on each side of the centred 16×16 square, grey inside.
    const data = new Uint8Array(24 * 16 * 3);
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 24; x++) {
        const inside = x >= 4 && x < 20;
        data.set(inside ? [90, 90, 90] : [255, 0, 0], (y * 24 + x) * 3);
      }
    const t = projectionTarget({ width: 24, height: 16, channels: 3, data }, 8, 3);
    expect(new Set(t.pixels)).toEqual(new Set([90]));
    expect(t.tensor[0]).toBeCloseTo(90 / 127.5 - 1, 6);
  });

  const dir = mkdtempSync(join(tmpdir(), 'invert-target-'));

  it('refuses a missing file, a non-image and a too-small image, naming the file and what to do', async () => {
    await expect(loadProjectionTarget(join(dir, 'nope.png'), 16, 3)).rejects.toThrow(/nope\.png: no such file; give the path of a PNG or JPEG image/);
    writeFileSync(join(dir, 'notes.png'), 'not an image at all');
    await expect(loadProjectionTarget(join(dir, 'notes.png'), 16, 3)).rejects.toThrow(/notes\.png: not a PNG or JPEG image/);
    writeFileSync(join(dir, 'small.png'), encodePng({ width: 12, height: 20, channels: 3, data: new Uint8Array(12 * 20 * 3) }));
    await expect(loadProjectionTarget(join(dir, 'small.png'), 16, 3)).rejects.toThrow(/small\.png: the image is 12×20, smaller than the generator's 16×16; give an image at least 16 px/);
    await expect(loadProjectionTarget(dir, 16, 3)).rejects.toThrow(/not a file/);
  });

  it('reads a PNG into [1, 3, R, R] in [−1, 1]', async () => {
    const data = new Uint8Array(32 * 32 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
    writeFileSync(join(dir, 'ok.png'), encodePng({ width: 32, height: 32, channels: 3, data }));
    const t = await loadProjectionTarget(join(dir, 'ok.png'), 16, 3);
    expect(t.tensor.length).toBe(3 * 16 * 16);
    expect(Math.max(...t.tensor)).toBeLessThanOrEqual(1);
    expect(Math.min(...t.tensor)).toBeGreaterThanOrEqual(-1);
  });
});

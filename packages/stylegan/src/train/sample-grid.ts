/**
 * Sample grids as NVIDIA's training loop writes them (`fakes######.png`): G_ema's images for a
 * fixed set of latents with constant noise, tiled row by row. Latents are seeds as in
 * `generate.py` (z = RandomState(seed).randn(z_dim)), so the grid of a snapshot can be reproduced
 * with `stylegpu generate --seeds`. Also the grid of real images (`reals.png`).
 */
import { type RasterImage, imageGrid } from '@stylegpu/io';
import type { Generator } from '../model/generator.js';
import { randomStateRandn } from '../numpy-random.js';

/** NCHW floats in [lo, hi] → one HWC uint8 raster per image, NVIDIA's (x − lo)·255/(hi − lo), rounded, clipped. */
export function toRasters(pixels: Float32Array, n: number, channels: number, res: number, range: [number, number] = [-1, 1]): RasterImage[] {
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const plane = res * res;
  const out: RasterImage[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(plane * channels);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++) {
        const v = Math.round((pixels[(i * channels + c) * plane + p] - lo) * scale);
        data[p * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    out.push({ width: res, height: res, channels: channels as 1 | 3, data });
  }
  return out;
}

export interface SampleGridOptions {
  /** Seeds of the latents (default 0 … 31). */
  seeds?: number[];
  /** Images per row (default: 8, or fewer images). */
  cols?: number;
  /** Images generated per forward. */
  batch?: number;
}

export async function sampleGrid(G: Generator, o: SampleGridOptions = {}): Promise<RasterImage> {
  const seeds = o.seeds ?? Array.from({ length: 32 }, (_, i) => i);
  const { zDim, imgChannels, imgResolution } = G.config;
  const batch = o.batch ?? 8;
  const images: RasterImage[] = [];
  for (let start = 0; start < seeds.length; start += batch) {
    const part = seeds.slice(start, start + batch);
    const z = new Float32Array(part.length * zDim);
    part.forEach((s, i) => z.set(Float32Array.from(randomStateRandn(s, zDim)), i * zDim));
    const img = G.rt.tidy(() => G.rt.noGrad(() => G.forward(G.rt.tensor(z, [part.length, zDim]), { noiseMode: 'const' })));
    try {
      images.push(...toRasters((await img.read()) as Float32Array, part.length, imgChannels, imgResolution));
    } finally {
      img.dispose();
    }
  }
  return imageGrid(images, { cols: o.cols ?? Math.min(8, seeds.length) });
}

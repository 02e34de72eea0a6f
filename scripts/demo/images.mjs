// Pictures for the demo: nearest-neighbour enlargement of small rasters (32-px images are too small to
// see), and PNG files of generator output. Tiling is @stylegpu/io's imageGrid; pixels are stylegan's toRasters.
import { writeFileSync } from 'node:fs';
import { encodePng, imageGrid } from '@stylegpu/io';
import { toRasters } from '@stylegpu/stylegan';

/** An HWC uint8 raster enlarged `factor` times by repeating each pixel into a factor × factor block. */
export function upscaleNearest(image, factor) {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscaleNearest: factor must be a positive integer, got ${factor}`);
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new Error(`upscaleNearest: a ${width}×${height}×${channels} image needs ${width * height * channels} bytes, got ${data.length}`);
  }
  if (factor === 1) return { width, height, channels, data: data.slice() };
  const W = width * factor;
  const out = new Uint8Array(W * height * factor * channels);
  const rowBytes = W * channels;
  for (let y = 0; y < height; y++) {
    // Build one enlarged row, then copy it factor times.
    const first = y * factor * rowBytes;
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * channels;
      for (let r = 0; r < factor; r++) out.set(data.subarray(src, src + channels), first + (x * factor + r) * channels);
    }
    for (let r = 1; r < factor; r++) out.copyWithin(first + r * rowBytes, first, first + rowBytes);
  }
  return { width: W, height: height * factor, channels, data: out };
}

/** NCHW floats in [−1, 1] (N images of `resolution` px) → one raster per image. */
export function imagesToRasters(pixels, n, resolution) {
  return toRasters(pixels, n, 3, resolution);
}

/** Tiles rasters (`cols` per row, a 1-px white border), enlarges the grid and writes it as a PNG. */
export function writeGridPng(file, rasters, { cols, scale = 4 } = {}) {
  const grid = imageGrid(rasters, { cols: cols ?? rasters.length, padding: 1, background: 255 });
  writeFileSync(file, encodePng(upscaleNearest(grid, scale)));
}

/** Writes an already tiled raster (e.g. a traversal grid) enlarged. */
export function writeRasterPng(file, raster, scale = 4) {
  writeFileSync(file, encodePng(upscaleNearest(raster, scale)));
}

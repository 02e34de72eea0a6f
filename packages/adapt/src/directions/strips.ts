/**
 * Pictures of directions: a PNG strip (rows of images side by side) and an animated GIF morph
 * (gifenc, one 256-colour palette per frame). Images are [N, 3, R, R] floats in about [−1, 1],
 * mapped to bytes as NVIDIA's scripts do: (x·127.5 + 128) clamped to [0, 255], truncated.
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { encodePng } from '@stylegpu/io';

/** rows[r][c] is an image [3, R, R] (channel-major); every image of one size. */
export function stripPng(rows: ReadonlyArray<ReadonlyArray<Float32Array>>, resolution: number): Uint8Array {
  const rgba = tile(rows, resolution);
  return encodePng({ width: rgba.width, height: rgba.height, channels: 4, data: rgba.data });
}

/** One frame per image list (a frame may itself be a strip of several images). */
export function morphGif(frames: ReadonlyArray<ReadonlyArray<Float32Array>>, resolution: number, opts: { delay?: number } = {}): Uint8Array {
  if (!frames.length) throw new Error('morphGif: no frames');
  const gif = GIFEncoder();
  for (const f of frames) {
    const { width, height, data } = tile([f], resolution);
    const palette = quantize(data, 256);
    gif.writeFrame(applyPalette(data, palette), width, height, { palette, delay: opts.delay ?? 120 });
  }
  gif.finish();
  return gif.bytes();
}

function tile(rows: ReadonlyArray<ReadonlyArray<Float32Array>>, R: number): { width: number; height: number; data: Uint8Array } {
  const cols = Math.max(...rows.map((r) => r.length));
  if (!rows.length || cols === 0) throw new Error('strip: no images');
  const width = cols * R;
  const height = rows.length * R;
  const data = new Uint8Array(width * height * 4);
  rows.forEach((row, r) =>
    row.forEach((img, c) => {
      if (img.length !== 3 * R * R) throw new Error(`strip: image (${r}, ${c}) has ${img.length} values, not 3×${R}×${R}`);
      for (let y = 0; y < R; y++)
        for (let x = 0; x < R; x++) {
          const o = ((r * R + y) * width + c * R + x) * 4;
          for (let ch = 0; ch < 3; ch++) data[o + ch] = Math.trunc(Math.min(255, Math.max(0, img[(ch * R + y) * R + x] * 127.5 + 128)));
          data[o + 3] = 255;
        }
    }),
  );
  return { width, height, data };
}

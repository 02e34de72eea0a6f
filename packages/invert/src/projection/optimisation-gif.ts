/**
 * An animated GIF of a projection, as NVIDIA's `proj.mp4` lays it out: the target on the left, the current
 * reconstruction on the right, one frame per captured step (gifenc: a 256-colour palette per frame).
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { toUint8 } from '../metrics/to-uint8.js';

export interface GifOptions {
  /** Milliseconds per frame (100 = NVIDIA's 10 fps). */
  delay?: number;
}

/** target: [C, R, R] uint8; frames: [C, R, R] in about [−1, 1]. */
export function optimisationGif(target: Uint8Array, frames: readonly Float32Array[], channels: number, resolution: number, opts: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new Error('optimisationGif: no frames');
  const R = resolution;
  const width = 2 * R;
  const gif = GIFEncoder();
  for (const frame of frames) {
    const synth = toUint8(frame);
    const rgba = new Uint8Array(width * R * 4);
    for (let y = 0; y < R; y++)
      for (let x = 0; x < width; x++) {
        const src = x < R ? target : synth;
        const xx = x % R;
        for (let c = 0; c < 3; c++) rgba[(y * width + x) * 4 + c] = src[((channels === 1 ? 0 : c) * R + y) * R + xx];
        rgba[(y * width + x) * 4 + 3] = 255;
      }
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), width, R, { palette, delay: opts.delay ?? 100 });
  }
  gif.finish();
  return gif.bytes();
}

/**
 * An animated GIF of a projection, laid out as NVIDIA's `proj.mp4`: the target on the left, the reconstruction
 * on the right, one frame per captured step (gifenc: a 256-colour palette per frame). Frames are 8-bit
 * [C, R, R] planes (`toUint8` of the generator output); large images are box-averaged down to at most
 * `maxSide` px so a 1024-px run stays a GIF one can open.
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';

export interface GifOptions {
  /** Milliseconds per frame (100 = NVIDIA's 10 fps). */
  delay?: number;
  /** Largest side of each half of a frame (256). */
  maxSide?: number;
}

/** target and frames: [C, R, R] uint8. */
export function optimisationGif(target: Uint8Array, frames: readonly Uint8Array[], channels: number, resolution: number, opts: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new Error('optimisationGif: no frames');
  for (const f of [target, ...frames]) {
    if (f.length !== channels * resolution * resolution) throw new Error(`optimisationGif: a frame of ${f.length} values for [${channels}, ${resolution}, ${resolution}]`);
  }
  let factor = 1;
  while (resolution / factor > (opts.maxSide ?? 256) && resolution % (factor * 2) === 0) factor *= 2;
  const R = resolution / factor;
  const width = 2 * R;
  const small = (img: Uint8Array) => boxDown(img, channels, resolution, factor);
  const left = small(target);
  const gif = GIFEncoder();
  for (const frame of frames) {
    const right = small(frame);
    const rgba = new Uint8Array(width * R * 4);
    for (let y = 0; y < R; y++)
      for (let x = 0; x < width; x++) {
        const src = x < R ? left : right;
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

/** Mean of factor×factor blocks, per channel plane. */
function boxDown(img: Uint8Array, C: number, R: number, f: number): Uint8Array {
  if (f === 1) return img;
  const r = R / f;
  const out = new Uint8Array(C * r * r);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < r; y++)
      for (let x = 0; x < r; x++) {
        let s = 0;
        for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) s += img[(c * R + y * f + i) * R + x * f + j];
        out[(c * r + y) * r + x] = Math.round(s / (f * f));
      }
  return out;
}

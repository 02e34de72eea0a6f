/**
 * Where a training run's real images come from. A source is deterministic in the step: the same
 * (step, size) always gives the same pixels, so a resumed run sees exactly the batches an
 * uninterrupted one would have (the data loader has no hidden state to snapshot).
 *
 * `ImageArraySource` serves a fixed set of images the way NVIDIA's InfiniteSampler does in spirit:
 * an endless stream of epochs, each a fresh permutation of the dataset (drawn from the seed and
 * the epoch number), with `mirror` doubling the set with x-flipped copies (`--mirror`, NVIDIA's
 * `xflip`). Pixels are uint8 and become x/127.5 − 1, as NVIDIA's loop converts them.
 */
import type { RasterImage } from '@stylegpu/io';
import { stepUniform } from './step-random.js';

export interface ImageSource {
  /** What the images are (a folder, a procedural dataset), for messages and run names. */
  readonly name: string;
  readonly resolution: number;
  readonly channels: number;
  /** The batch of step `step`: `size` images as NCHW floats in [−1, 1]. */
  batch(step: number, size: number): Float32Array | Promise<Float32Array>;
}

const SHUFFLE_STREAM = 0x5348;

export interface ArraySourceOptions {
  name?: string;
  /** Shuffling seed (the run's `--seed`). */
  seed?: number;
  /** Add x-flipped copies (`--mirror`). */
  mirror?: boolean;
}

export class ImageArraySource implements ImageSource {
  readonly name: string;
  readonly resolution: number;
  readonly channels: number;
  private readonly seed: number;
  private readonly mirror: boolean;
  private epochOrder: { epoch: number; order: Uint32Array } | null = null;

  /** `images`: HWC uint8 rasters, all R×R with the same channel count (1 or 3). */
  constructor(private readonly images: readonly RasterImage[], o: ArraySourceOptions = {}) {
    this.name = o.name ?? 'images';
    if (images.length === 0) throw new Error(`${this.name}: no images`);
    const { width, height, channels } = images[0];
    images.forEach((im, i) => {
      if (im.width !== width || im.height !== height || im.channels !== channels) {
        throw new Error(`${this.name}: image ${i} is ${im.width}×${im.height}×${im.channels}, image 0 is ${width}×${height}×${channels}; all must match`);
      }
    });
    if (width !== height) throw new Error(`${this.name}: images must be square, got ${width}×${height}`);
    if (channels !== 1 && channels !== 3) throw new Error(`${this.name}: images must have 1 or 3 channels, got ${channels}`);
    this.resolution = width;
    this.channels = channels;
    this.seed = o.seed ?? 0;
    this.mirror = o.mirror ?? false;
  }

  /** Images in the (possibly mirrored) dataset. */
  get length(): number {
    return this.images.length * (this.mirror ? 2 : 1);
  }

  batch(step: number, size: number): Float32Array {
    if (!Number.isInteger(step) || step < 0 || !Number.isInteger(size) || size < 1) {
      throw new Error(`${this.name}: batch(step ${step}, size ${size}) needs a step ≥ 0 and a size ≥ 1`);
    }
    const R = this.resolution;
    const C = this.channels;
    const plane = R * R;
    const out = new Float32Array(size * C * plane);
    for (let i = 0; i < size; i++) {
      const k = step * size + i;
      const epoch = Math.floor(k / this.length);
      const index = this.order(epoch)[k % this.length];
      const flip = index >= this.images.length;
      const src = this.images[flip ? index - this.images.length : index].data;
      const base = i * C * plane;
      for (let y = 0; y < R; y++) {
        for (let x = 0; x < R; x++) {
          const sx = flip ? R - 1 - x : x;
          const s = (y * R + sx) * C;
          for (let c = 0; c < C; c++) out[base + c * plane + y * R + x] = src[s + c] / 127.5 - 1;
        }
      }
    }
    return out;
  }

  /** The permutation of an epoch (Fisher–Yates on counter-based uniforms). */
  private order(epoch: number): Uint32Array {
    if (this.epochOrder?.epoch === epoch) return this.epochOrder.order;
    const n = this.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(stepUniform(this.seed, epoch, SHUFFLE_STREAM, i) * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    this.epochOrder = { epoch, order };
    return order;
  }
}

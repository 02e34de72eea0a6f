/**
 * A procedural world of `@stylegpu/world` (`world:shapes`, `world:faces`) as a training source.
 * Typed structurally, so this package does not depend on the world package: pass what
 * `loadWorld(name, { resolution })` returns.
 *
 * Sample k of the run (k = step·batch + i) is the world's sample k of its 'train' split — an
 * endless stream of fresh images — or, with `datasetSize` N, index perm_e(k mod N) of a finite
 * dataset of N images reshuffled every epoch e, like a folder of N files. With `mirror`, each
 * drawn image is x-flipped with probability ½ (a coin per draw from the seed), the procedural
 * counterpart of NVIDIA's doubled, mirrored dataset.
 */
import type { ImageSource } from './image-source.js';
import { stepUniform } from './step-random.js';

export interface WorldLike {
  /** 'world:<name>' */
  readonly id: string;
  readonly resolution: number;
  /** [N, 3, R, R] float32 in [−1, 1] for the given sample indices. */
  batch(indices: readonly number[], options?: { seed?: number; split?: 'train' }): { pixels: Float32Array };
}

export interface WorldSourceOptions {
  /** The world's dataset seed (default 0). */
  seed?: number;
  /** A finite dataset of this many images instead of an endless stream. */
  datasetSize?: number;
  mirror?: boolean;
}

const SHUFFLE_STREAM = 0x5749;
const MIRROR_STREAM = 0x4d49;

export function worldImageSource(world: WorldLike, o: WorldSourceOptions = {}): ImageSource {
  const seed = o.seed ?? 0;
  const size = o.datasetSize;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1)) throw new Error(`${world.id}: dataset size must be a positive integer, got ${size}`);
  let cached: { epoch: number; order: Uint32Array } | null = null;
  const indexOf = (k: number): number => {
    if (size === undefined) return k;
    const epoch = Math.floor(k / size);
    if (cached?.epoch !== epoch) {
      const order = new Uint32Array(size);
      for (let i = 0; i < size; i++) order[i] = i;
      for (let i = size - 1; i > 0; i--) {
        const j = Math.floor(stepUniform(seed, epoch, SHUFFLE_STREAM, i) * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      cached = { epoch, order };
    }
    return cached.order[k - epoch * size];
  };
  const R = world.resolution;
  return {
    name: world.id,
    resolution: R,
    channels: 3,
    batch(step: number, n: number): Float32Array {
      const ks = Array.from({ length: n }, (_, i) => step * n + i);
      const pixels = world.batch(ks.map(indexOf), { seed, split: 'train' }).pixels;
      if (pixels.length !== n * 3 * R * R) throw new Error(`${world.id}: a batch of ${n} gave ${pixels.length} values, expected ${n * 3 * R * R}`);
      if (o.mirror) {
        ks.forEach((k, i) => {
          if (stepUniform(seed, k, MIRROR_STREAM) >= 0.5) return;
          for (let row = 0; row < 3 * R; row++) pixels.subarray((i * 3 * R + row) * R, (i * 3 * R + row + 1) * R).reverse();
        });
      }
      return pixels;
    },
  };
}

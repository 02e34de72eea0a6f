/**
 * A sensor: the image model whose feature changes the navigator contrasts. Any function from
 * images [N, 3, R, R] in about [−1, 1] to feature maps [N, C, H, W] (one per layer, differentiable
 * in the images) will do. `pixelSensor` is the trivial one: the image and its 2×2 average-pooled
 * pyramid (for tests and toy generators; a real run uses CLIP tokens or discriminator features).
 */
import { downsample2d, setupFilter, type Tensor } from '@stylegpu/kernels';

export interface FeatureSensor {
  readonly name: string;
  features(images: Tensor): Tensor[];
}

const BOX = setupFilter([1, 1]);

export function pixelSensor(levels = 2): FeatureSensor {
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`pixelSensor: levels must be a positive integer, got ${levels}`);
  return {
    name: `pixels×${levels}`,
    features(images) {
      const out = [images];
      for (let i = 1; i < levels; i++) {
        const prev = out[out.length - 1];
        if (prev.shape[2] < 2) break;
        out.push(downsample2d(prev, BOX));
      }
      return out;
    },
  };
}

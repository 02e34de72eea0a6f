/**
 * A perceptual distance to one fixed target image: built once from the target (its features computed
 * once, as `projector.py` does), then `distance(synth)` → a scalar tensor for generated images
 * [1, 3, R, R] in about [−1, 1].
 */
import type { Tensor } from '@stylegpu/kernels';

export interface PerceptualDistance {
  /** 'lpips-vgg16' or 'clip'. */
  readonly kind: string;
  distance(synth: Tensor): Tensor;
  dispose(): void;
}

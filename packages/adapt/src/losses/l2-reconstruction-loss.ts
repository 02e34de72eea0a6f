/**
 * Pixel reconstruction of the style image (`l2_rec_fullres`): mean((G_tgt(w_style) − style)²) over
 * every element, at the generator's resolution.
 */
import { formatShape, mean, square, sub, type Tensor } from '@stylegpu/kernels';

export function l2ReconstructionLoss(image: Tensor, reference: Tensor): Tensor {
  const same = image.rank === reference.rank && image.shape.every((d, i) => d === reference.shape[i] || (i === 0 && reference.shape[0] === 1));
  if (!same || image.rank !== 4) {
    throw new Error(`l2ReconstructionLoss: the image ${formatShape(image.shape)} and the reference ${formatShape(reference.shape)} must be [N, C, H, W] of one size (resize the style image to the generator's resolution)`);
  }
  return mean(square(sub(image, reference)));
}

/** `F.interpolate(mode='area')` for an integer factor: the mean of each factor×factor block. */
import { type Tensor, mean, reshape } from '@stylegpu/kernels';

export function areaDownsample(x: Tensor, size: number): Tensor {
  const [n, c, h, w] = x.shape;
  if (h === size && w === size) return x;
  if (h % size !== 0 || w % size !== 0 || h / size !== w / size) {
    throw new Error(`areaDownsample: [${x.shape.join(', ')}] to ${size}×${size} needs a square image whose side is a multiple of ${size}`);
  }
  const f = h / size;
  return mean(reshape(x, [n, c, size, f, size, f]), [3, 5]);
}

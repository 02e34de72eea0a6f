/** Mean squared error over every pixel and channel, in the generator's [−1, 1] range. */
import { type Tensor, mean, square, sub } from '@stylegpu/kernels';

export function mseLoss(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`mseLoss: shapes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
  return mean(square(sub(a, b)));
}

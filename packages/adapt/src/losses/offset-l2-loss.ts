/** StyleDomain's `offsets_l2` regulariser: Σ over offset tensors of mean Δ² (each layer's offsets averaged, layers summed). */
import { add, mean, square, type Tensor } from '@stylegpu/kernels';

export function offsetL2Loss(offsets: readonly Tensor[]): Tensor {
  if (!offsets.length) throw new Error('offsetL2Loss: this parameterisation has no offsets to regularise (use it with s_delta, affine_plus or affine_light_plus)');
  return offsets.map((o) => mean(square(o))).reduce((a, b) => add(a, b));
}

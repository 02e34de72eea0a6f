/** StyleDomain's `offsets_l1` regulariser: Σ over offset tensors of mean |Δ| (each layer's offsets averaged, layers summed). */
import { abs, add, mean, type Tensor } from '@stylegpu/kernels';

export function offsetL1Loss(offsets: readonly Tensor[]): Tensor {
  if (!offsets.length) throw new Error('offsetL1Loss: this parameterisation has no offsets to regularise (use it with s_delta, affine_plus or affine_light_plus)');
  return offsets.map((o) => mean(abs(o))).reduce((a, b) => add(a, b));
}

/**
 * The predictor's training loss: the sum over factors of each factor's batch-mean loss,
 *   regression   (o − v)²                      circular   (o_c − cos 2πv)² + (o_s − sin 2πv)²
 *   categorical  −log softmax(logits)[class]   (softmax cross-entropy, composed from logSoftmax)
 * so every factor weighs the same whatever its number of columns.
 */
import { add, formatShape, logSoftmax, mul, mulScalar, slice, square, sub, sum, type Tensor } from '@stylegpu/kernels';
import type { FactorTargets, HeadLayout } from './head-layout.js';

export function factorLoss(outputs: Tensor, targets: FactorTargets, layout: HeadLayout): Tensor {
  const O = layout.outputs;
  if (outputs.dtype !== 'f32' || outputs.rank !== 2 || outputs.shape[1] !== O || outputs.shape[0] < 1) {
    throw new Error(`factorLoss: outputs ${outputs.dtype} ${formatShape(outputs.shape)}: expected f32 [N, ${O}]`);
  }
  const N = outputs.shape[0];
  if (targets.target.length !== N * O || targets.squaredErrorMask.length !== O) {
    throw new Error(`factorLoss: targets for ${targets.target.length / O} samples, outputs ${formatShape(outputs.shape)}`);
  }
  const rt = outputs.rt;
  const target = rt.tensor(targets.target, [N, O]);
  let total: Tensor | null = null;
  const plus = (t: Tensor) => (total = total ? add(total, t) : t);
  if (targets.squaredErrorMask.some((m) => m !== 0)) {
    const mask = rt.tensor(targets.squaredErrorMask, [1, O]);
    plus(mulScalar(sum(mul(square(sub(outputs, target)), mask)), 1 / N));
  }
  for (const c of layout.factors) {
    if (c.kind !== 'categorical') continue;
    const cols = [c.offset, c.offset + c.width] as const;
    const logProbs = logSoftmax(slice(outputs, [null, cols]), 1);
    plus(mulScalar(sum(mul(logProbs, slice(target, [null, cols]))), -1 / N));
  }
  return total!;
}

/**
 * softplus(x) = log(1 + eˣ), written as max(x, 0) + log(1 + e^(−|x|)) so that neither branch
 * overflows (e^x for logits of a few hundred would be inf in f32) and small values keep their
 * precision. Composed of differentiable ops; its derivative is sigmoid(x) everywhere except
 * exactly at x = 0, where relu's and abs's subgradients (0) give 0 instead of ½.
 */
import { type Tensor, abs, add, addScalar, exp, log, neg, relu } from '@stylegpu/kernels';

export function softplus(x: Tensor): Tensor {
  return add(relu(x), log(addScalar(exp(neg(abs(x))), 1)));
}

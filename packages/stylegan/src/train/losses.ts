/**
 * StyleGAN2's non-saturating logistic GAN loss (stylegan2-ada-pytorch `training/loss.py`,
 * `StyleGAN2Loss.accumulate_gradients`), on the discriminator's logits:
 *
 *   G (Gmain):  mean softplus(−D(G(z)))                      = −log sigmoid(D(G(z)))
 *   D (Dmain):  mean softplus(D(G(z))) + mean softplus(−D(x)) = −log(1 − sigmoid(D(fake))) − log sigmoid(D(real))
 *
 * The two D terms stay separate, as NVIDIA backpropagates them in two passes (fake and real images
 * go through D in separate forwards: minibatch-std groups must not mix real and fake images).
 */
import { type Tensor, mean, neg } from '@stylegpu/kernels';
import { softplus } from './softplus.js';

function checkLogits(who: string, logits: Tensor): void {
  if (logits.rank !== 2 || logits.shape[1] !== 1) throw new Error(`${who}: expected logits [N, 1], got [${logits.shape.join(', ')}]`);
}

/** G's loss on D's logits for generated images: mean softplus(−logits), a scalar. */
export function generatorLoss(fakeLogits: Tensor): Tensor {
  checkLogits('generatorLoss', fakeLogits);
  return mean(softplus(neg(fakeLogits)));
}

/** D's loss term for generated images: mean softplus(logits). */
export function discriminatorFakeLoss(fakeLogits: Tensor): Tensor {
  checkLogits('discriminatorFakeLoss', fakeLogits);
  return mean(softplus(fakeLogits));
}

/** D's loss term for real images: mean softplus(−logits). */
export function discriminatorRealLoss(realLogits: Tensor): Tensor {
  checkLogits('discriminatorRealLoss', realLogits);
  return mean(softplus(neg(realLogits)));
}

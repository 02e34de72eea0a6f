/**
 * R1 regularisation of the discriminator (Mescheder et al. 2018), as stylegan2-ada-pytorch's
 * `StyleGAN2Loss` computes it in its `Dreg` phase (`training/loss.py`):
 *
 *   x        = the real images, detached, requiring grad
 *   grads    = ∂(Σ_n D(x)_n) / ∂x                         (recorded: createGraph)
 *   penalty  = Σ over C, H, W of grads²                    → one value per image, [N]
 *
 * D sees the reals as they are here (the caller runs no augmentation: this port has no ADA).
 * The official loss then takes penalty · γ/2, its batch mean, and multiplies by the lazy
 * regularisation interval (16 for D) — that is the trainer's (trainer.ts), not this file's.
 * The penalty is differentiable in every trainable parameter of D: a backward from it is a
 * gradient of a gradient, through `grad(…, { createGraph: true })` of @stylegpu/kernels.
 */
import { type Tensor, grad, reshape, square, sum } from '@stylegpu/kernels';
import type { Discriminator } from '../model/discriminator.js';

/**
 * Per-image R1 penalties ‖∂ΣD(reals)/∂reals_n‖², shape [N], recorded so that `backward` of
 * (a function of) them reaches D's trainable parameters. `c` is the conditioning label of a
 * conditional D; the discriminator here is unconditional, so it must be absent or empty.
 */
export function r1Penalty(D: Discriminator, reals: Tensor, c?: Tensor | null): Tensor {
  const rt = reals.rt;
  if (c && c.size > 0) throw new Error(`r1Penalty: the discriminator is unconditional; got labels of shape [${c.shape.join(', ')}]`);
  if (reals.rank !== 4) throw new Error(`r1Penalty: reals must be [N, C, H, W], got [${reals.shape.join(', ')}]`);
  if (!rt.gradEnabled) throw new Error('r1Penalty: called under noGrad; the penalty needs a recorded forward of D (call it outside noGrad)');
  // NVIDIA's real_img.detach().requires_grad_(True): a new handle on the same data, with no graph.
  const x = rt.noGrad(() => reshape(reals, reals.shape));
  x.requiresGrad = true;
  const logits = D.forward(x);
  const [g] = grad(sum(logits), [x], { createGraph: true });
  return sum(square(g), [1, 2, 3]);
}

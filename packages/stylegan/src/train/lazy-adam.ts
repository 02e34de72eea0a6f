/**
 * The optimiser of a network trained with lazy regularisation (StyleGAN2 §3.1, NVIDIA's
 * `training_loop.py`): the regulariser runs every `interval` minibatches with its loss multiplied
 * by `interval`, and the optimiser compensates for those extra steps by scaling its hyper-
 * parameters with mb_ratio = interval / (interval + 1): lr·mb_ratio and β^mb_ratio for both
 * betas. With no lazy regularisation (interval null) the hyper-parameters are used as given.
 */
import { Adam, type Tensor } from '@stylegpu/kernels';

export interface AdamHyper {
  lr: number;
  betas: readonly [number, number];
  eps: number;
}

export function lazyRegularizationHyper(h: AdamHyper, interval: number | null): AdamHyper {
  if (interval === null) return { lr: h.lr, betas: [h.betas[0], h.betas[1]], eps: h.eps };
  if (!Number.isInteger(interval) || interval < 1) throw new Error(`lazy regularisation: interval must be a positive integer or null, got ${interval}`);
  const r = interval / (interval + 1);
  return { lr: h.lr * r, betas: [h.betas[0] ** r, h.betas[1] ** r], eps: h.eps };
}

export function lazyRegularizedAdam(params: Tensor[], h: AdamHyper, interval: number | null): Adam {
  const adjusted = lazyRegularizationHyper(h, interval);
  return new Adam(params, { lr: adjusted.lr, betas: [adjusted.betas[0], adjusted.betas[1]], eps: adjusted.eps });
}

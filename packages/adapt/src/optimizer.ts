/**
 * StyleGAN-NADA's optimiser settings (`train.py`): Adam with lr·r and betas (0^r, 0.99^r), where
 * r = g_reg_every / (g_reg_every + 1) = 4/5 — rosinality's lazy-regularisation rescaling, kept even
 * though NADA runs no regulariser. For `--lr 0.002` that is lr 0.0016, betas (0, 0.99^0.8).
 */
import type { AdamOptions } from '@stylegpu/kernels';

export const G_REG_RATIO = 4 / 5;

export function nadaAdamOptions(lr: number): AdamOptions {
  return { lr: lr * G_REG_RATIO, betas: [0 ** G_REG_RATIO, 0.99 ** G_REG_RATIO] };
}

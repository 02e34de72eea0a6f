/**
 * StyleGAN-NADA's generator optimiser (rinongal/StyleGAN-nada `ZSSGAN/train.py`), kept from
 * StyleGAN2's lazy-regularisation bookkeeping although NADA applies no regularisation:
 *
 *   r = g_reg_every / (g_reg_every + 1) = 4/5
 *   Adam(G_train.parameters(), lr = lr · r, betas = (0^r, 0.99^r))
 *
 * so `--lr 0.002` trains at 0.0016 with β1 = 0 (no momentum) and β2 = 0.99^0.8 ≈ 0.99199.
 * Every generator parameter goes to Adam; frozen ones (requiresGrad false or no grad this step)
 * are skipped by `Adam.step`, keeping their moments, as torch skips parameters whose grad is None.
 * StyleDomain's `patch_key: original` configs use the same rule.
 */
import { Adam, type Tensor } from '@stylegpu/kernels';

export const NADA_LR = 0.002;
export const NADA_G_REG_EVERY = 4;
/** r for the default g_reg_every = 4. */
export const G_REG_RATIO = NADA_G_REG_EVERY / (NADA_G_REG_EVERY + 1);

/** lr · r and (0^r, 0.99^r) with r = gRegEvery / (gRegEvery + 1). */
export function nadaAdamOptions(lr = NADA_LR, gRegEvery = NADA_G_REG_EVERY): { lr: number; betas: [number, number] } {
  if (!Number.isFinite(lr) || lr <= 0) throw new Error(`nadaAdamOptions: lr must be a positive number, got ${lr}`);
  if (!Number.isInteger(gRegEvery) || gRegEvery <= 0) throw new Error(`nadaAdamOptions: gRegEvery must be a positive integer, got ${gRegEvery}`);
  const r = gRegEvery / (gRegEvery + 1);
  return { lr: lr * r, betas: [0 ** r, 0.99 ** r] };
}

/** Adam over the given generator parameters with NADA's rule. */
export function createNadaOptimizer(params: Tensor[], opts: { lr?: number; gRegEvery?: number } = {}): Adam {
  return new Adam(params, nadaAdamOptions(opts.lr, opts.gRegEvery));
}

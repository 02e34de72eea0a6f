/**
 * The navigator's contrastive loss on feature differences (ContraFeat / the author's
 * `loss_discover.py`, read for semantics). For each sensor layer ℓ and pair i:
 *
 *   D_q = S_ℓ(q) − S_ℓ(orig₁),  D₊ = S_ℓ(pos) − S_ℓ(orig₂),  D₋ = S_ℓ(neg) − S_ℓ(orig₂)     [P, C, H, W]
 *   m   = ‖D‖_channels per pixel, min–max normalised per sample (min and max over every used layer
 *         together: `norm_on_depth`)
 *   c±  = cos_channels(D_q, D±) per pixel
 *   L₊  = −Σ_hw c₊² m_q m₊ / Σ_hw m_q m₊          (q and pos moved along the same direction: same change)
 *   L₋  = +Σ_hw c₋² m_q m₋ / Σ_hw m_q m₋          (q and neg along different directions: orthogonal changes)
 *   loss = mean over pairs of Σ_ℓ (λ₊ L₊ + λ₋ L₋)
 *
 * Squared cosines make the sign of a step irrelevant (walking −d is the same factor). The mask
 * weights count the pixels where something changed. Norms use √(Σx² + ε), not a clamp, so a pixel
 * that does not change at all (common in the toy generator) gets a finite gradient.
 */
import { add, addScalar, div, max, maximum, mul, mulScalar, neg, sqrt, square, sub, sum, type Tensor } from '@stylegpu/kernels';

const EPS = 1e-8;

export interface ContrastiveWeights {
  pos: number;
  neg: number;
}

/** ‖D‖ over channels: [P, C, H, W] → [P, 1, H, W]. */
export function changeMagnitude(d: Tensor): Tensor {
  return sqrt(addScalar(sum(square(d), 1, true), EPS));
}

/** Per-sample min–max normalisation of magnitude maps, the min and max taken over all layers together. */
export function normalizeMasks(mags: readonly Tensor[]): Tensor[] {
  const perLayerMax = mags.map((m) => max(m, [1, 2, 3], true));
  const perLayerMin = mags.map((m) => neg(max(neg(m), [1, 2, 3], true)));
  const hi = perLayerMax.reduce((a, b) => maximum(a, b));
  const lo = perLayerMin.reduce((a, b) => neg(maximum(neg(a), neg(b))));
  const range = addScalar(sub(hi, lo), EPS);
  return mags.map((m) => div(sub(m, lo), range));
}

/** cos² over channels per pixel: [P, C, H, W] × 2 → [P, 1, H, W]. */
export function squaredCosine(a: Tensor, b: Tensor): Tensor {
  const dot = sum(mul(a, b), 1, true);
  return div(square(dot), mul(addScalar(sum(square(a), 1, true), EPS), addScalar(sum(square(b), 1, true), EPS)));
}

/** Σ_hw c² m_a m_b / Σ_hw m_a m_b per sample: [P]. */
export function maskedAgreement(c2: Tensor, ma: Tensor, mb: Tensor): Tensor {
  const w = mul(ma, mb);
  return div(sum(mul(c2, w), [1, 2, 3]), addScalar(sum(w, [1, 2, 3]), EPS));
}

export interface FeatureDiffs {
  /** Per sensor layer: D_q, D_pos (or the positive prototype), D_neg. */
  q: Tensor[];
  pos: Tensor[];
  neg: Tensor[];
}

/** The binary contrastive loss (a scalar) and its two parts (means over pairs, summed over layers). */
export function contrastiveLoss(diffs: FeatureDiffs, weights: ContrastiveWeights): { loss: Tensor; pos: Tensor; neg: Tensor } {
  const L = diffs.q.length;
  if (L === 0 || diffs.pos.length !== L || diffs.neg.length !== L) throw new Error(`contrastiveLoss: ${diffs.q.length}/${diffs.pos.length}/${diffs.neg.length} feature layers for q/pos/neg; they must match and be at least one`);
  const mq = normalizeMasks(diffs.q.map(changeMagnitude));
  const mp = normalizeMasks(diffs.pos.map(changeMagnitude));
  const mn = normalizeMasks(diffs.neg.map(changeMagnitude));
  let pos: Tensor | null = null;
  let negTerm: Tensor | null = null;
  for (let l = 0; l < L; l++) {
    const p = maskedAgreement(squaredCosine(diffs.q[l], diffs.pos[l]), mq[l], mp[l]);
    const n = maskedAgreement(squaredCosine(diffs.q[l], diffs.neg[l]), mq[l], mn[l]);
    pos = pos ? add(pos, p) : p;
    negTerm = negTerm ? add(negTerm, n) : n;
  }
  const P = diffs.q[0].shape[0];
  const posMean = mulScalar(sum(pos!), -1 / P);
  const negMean = mulScalar(sum(negTerm!), 1 / P);
  const loss = add(mulScalar(posMean, weights.pos), mulScalar(negMean, weights.neg));
  return { loss, pos: posMean, neg: negMean };
}

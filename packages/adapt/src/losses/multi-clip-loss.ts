/**
 * The weighted sum over CLIP models that StyleGAN-NADA trains on:
 * `Σ_m clip_model_weights[m] · CLIPLoss_m(...)` (`ZSSGAN.py::ZSSGAN.forward`, and the same sum of
 * global losses in `determine_opt_layers`), e.g. ViT-B/32 and ViT-B/16 with weights 1.0 / 1.0.
 *
 * Each term is a thunk, so a model whose weight is 0 (the Colab's `[1.0, 0.0]`) is never run: the
 * official code still evaluates it and multiplies by zero, which changes neither the value nor
 * the gradient but costs a whole CLIP forward and backward.
 */
import { add, formatShape, mulScalar, reshape, type Tensor } from '@stylegpu/kernels';

export interface WeightedClipLoss {
  weight: number;
  /** Evaluates this model's loss: a one-element tensor. */
  loss: () => Tensor;
}

export function multiClipLoss(terms: readonly WeightedClipLoss[]): Tensor {
  const op = 'multiClipLoss';
  if (!Array.isArray(terms) || terms.length === 0) throw new Error(`${op}: needs at least one {weight, loss} term, got ${terms?.length ?? terms}`);
  terms.forEach((t, i) => {
    if (!t || typeof t.loss !== 'function') throw new Error(`${op}: term ${i} has no loss function`);
    if (!Number.isFinite(t.weight) || t.weight < 0) throw new Error(`${op}: term ${i} has weight ${t.weight}; weights must be finite and ≥ 0`);
  });
  const active = terms.filter((t) => t.weight !== 0);
  if (active.length === 0) throw new Error(`${op}: every weight is 0 (${terms.length} terms); nothing to optimise`);
  let total: Tensor | null = null;
  active.forEach((t, i) => {
    const value = t.loss();
    if (!value || typeof value.assertLive !== 'function') throw new Error(`${op}: term ${i}'s loss returned no tensor`);
    if (value.size !== 1) throw new Error(`${op}: term ${i}'s loss must be a one-element tensor, got ${formatShape(value.shape)}`);
    const weighted = mulScalar(reshape(value, []), t.weight);
    total = total ? add(total, weighted) : weighted;
  });
  return total!;
}

/**
 * StyleGAN-NADA's global CLIP loss, `CLIPLoss.global_clip_loss`
 * (rinongal/StyleGAN-nada `ZSSGAN/criteria/clip_loss.py`):
 *
 *   logits_per_image = logit_scale.exp() · cos(E_I(img), E_T(text))      [B, T]  (openai/CLIP `CLIP.forward`)
 *   L = mean(1 − logits_per_image / 100)
 *
 * The `/100` is the official code's, undoing CLIP's learned temperature: for the released CLIP
 * models `logit_scale.exp()` is 100 (clamped there in training), so L = mean(1 − cos). Pass the
 * model's own `logitScale` (the exp'd value) to reproduce the official number for any checkpoint.
 * The training loop uses the text `"a {target_class}"` (`globalClipText`); adaptive layer
 * selection uses the bare target class.
 */
import { addScalar, cosineSimilarity, mean, mulScalar, reshape, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export interface GlobalClipLossOptions {
  /** CLIP's `logit_scale.exp()`; 100 for the released models. */
  logitScale?: number;
}

/** mean over [B, T] of 1 − logitScale·cos(image_b, text_t)/100. */
export function globalClipLoss(imageEmb: Tensor, textEmb: Tensor, opts: GlobalClipLossOptions = {}): Tensor {
  const op = 'globalClipLoss';
  const shapes = describe({ image: imageEmb, text: textEmb });
  const [B, D] = checkEmbeddings(op, 'image embeddings', imageEmb, shapes);
  const [T, Dt] = checkEmbeddings(op, 'text embeddings', textEmb, shapes);
  if (Dt !== D) throw new Error(`${op}: image and text embeddings must have the same width D (${shapes})`);
  const logitScale = opts.logitScale ?? 100;
  if (!Number.isFinite(logitScale) || logitScale <= 0) throw new Error(`${op}: logitScale must be a positive number, got ${logitScale} (${shapes})`);
  checkSameRuntime(op, [imageEmb, textEmb], shapes);
  // cos over every (image, text) pair: [B, 1, D] against [1, T, D].
  const cos = cosineSimilarity(reshape(imageEmb, [B, 1, D]), reshape(textEmb, [1, T, D]));
  return mean(addScalar(mulScalar(cos, -logitScale / 100), 1));
}

/** The text the official training loop feeds the global loss: `f"a {target_class}"`. */
export function globalClipText(targetClass: string): string {
  return `a ${targetClass}`;
}

/**
 * CLIP's symmetric InfoNCE loss (the CLIP paper's pseudo-code; open_clip's ClipLoss):
 *
 *   logits[i, j] = exp(s) · cos(image_i, text_j)                 [N, N], pair i is (image_i, text_i)
 *   loss = ½ · ( CE(logits rows, i) + CE(logits columns, i) )      CE averaged over the N pairs
 *
 * with s the learnable log logit scale (initialised at ln(1/0.07); the trainer clamps it to
 * [0, ln 100] after every step, as OpenAI did). CE(rows) is −mean_i log softmax_j(logits)[i, i];
 * the column term is the same for the transposed logits (OpenAI's logits_per_text), i.e. the
 * softmax taken down each column. The diagonal is picked by multiplying with the identity, which
 * keeps the whole loss made of differentiable ops (gradients reach both towers and s).
 */
import { exp, formatShape, l2Normalize, logSoftmax, matmul, mul, mulScalar, add, sum, type Tensor } from '@stylegpu/kernels';

/** Largest logit scale OpenAI allows: logits are never scaled by more than 100. */
export const CLIP_LOGIT_SCALE_MAX = Math.log(100);

/** exp(s) · normalise(image) · normalise(text)ᵀ, [N_img, N_text]. */
export function contrastiveLogits(imageFeatures: Tensor, textFeatures: Tensor, logLogitScale: Tensor): Tensor {
  checkFeatures('contrastiveLogits', imageFeatures, textFeatures, logLogitScale, false);
  return mul(matmul(l2Normalize(imageFeatures), l2Normalize(textFeatures), { transB: true }), exp(logLogitScale));
}

/** The symmetric InfoNCE loss of N matching (image, text) pairs, a one-element tensor. */
export function clipContrastiveLoss(imageFeatures: Tensor, textFeatures: Tensor, logLogitScale: Tensor): Tensor {
  checkFeatures('clipContrastiveLoss', imageFeatures, textFeatures, logLogitScale, true);
  const N = imageFeatures.shape[0];
  const logits = contrastiveLogits(imageFeatures, textFeatures, logLogitScale);
  const identity = new Float32Array(N * N);
  for (let i = 0; i < N; i++) identity[i * N + i] = 1;
  const eye = imageFeatures.rt.tensor(identity, [N, N]);
  const matched = add(sum(mul(logSoftmax(logits, 1), eye)), sum(mul(logSoftmax(logits, 0), eye)));
  return mulScalar(matched, -1 / (2 * N));
}

function checkFeatures(op: string, image: Tensor, text: Tensor, scale: Tensor, paired: boolean): void {
  const shapes = `image ${image.dtype} ${formatShape(image.shape)}, text ${text.dtype} ${formatShape(text.shape)}, logit scale ${formatShape(scale.shape)}`;
  if (image.dtype !== 'f32' || text.dtype !== 'f32' || image.rank !== 2 || text.rank !== 2 || image.shape[1] !== text.shape[1]) {
    throw new Error(`${op}: expected f32 features [N, embed] of one width (${shapes})`);
  }
  if (image.shape[0] < 1 || (paired && image.shape[0] !== text.shape[0])) {
    throw new Error(`${op}: ${paired ? 'row i of the images must match row i of the texts: expected as many of each' : 'empty batch'} (${shapes})`);
  }
  if (scale.dtype !== 'f32' || scale.size !== 1) throw new Error(`${op}: the log logit scale must be one f32 value (${shapes})`);
}

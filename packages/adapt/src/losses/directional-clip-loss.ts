/**
 * StyleGAN-NADA's directional CLIP loss, as `CLIPLoss.clip_directional_loss` computes it
 * (rinongal/StyleGAN-nada `ZSSGAN/criteria/clip_loss.py`), on CLIP image embeddings:
 *
 *   e_src = normalize(E_I(I_src)),  e_tgt = normalize(E_I(I_tgt))     (`get_image_features`)
 *   ΔI    = normalize(e_tgt − e_src)                                   per sample
 *   L     = mean_batch(1 − cos(ΔI, ΔT))                                 (`DirectionLoss('cosine')`)
 *
 * ΔT is [1, D] (broadcast over the batch, as the official [1, D] text direction is) or [B, D].
 *
 * Zero image direction. When `(e_tgt − e_src).sum() == 0` over the whole batch (identical images,
 * e.g. the first step with deterministic noise), the official code re-encodes `I_tgt + 1e-6` and
 * uses that direction instead. Here the caller passes those embeddings as `nudgedTarget`; the
 * choice is made on the GPU (no readback), so it costs nothing but the extra encode. Without
 * `nudgedTarget`, an exactly zero direction gives loss 1 and NaN gradients (torch gives NaN).
 * `imageDirectionIsZero` tells a caller, with one readback, whether it needs the nudge.
 */
import { cosineSimilarity, equal, l2Normalize, mean, mulScalar, addScalar, sub, sum, where, zeros, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export interface DirectionalClipLossOptions {
  /** Embeddings of the target images + 1e-6 ([B, D]); used only if the image direction sums to zero. */
  nudgedTarget?: Tensor;
}

export function directionalClipLoss(
  sourceImageEmb: Tensor,
  targetImageEmb: Tensor,
  textDirection: Tensor,
  opts: DirectionalClipLossOptions = {},
): Tensor {
  const op = 'directionalClipLoss';
  const named: Record<string, Tensor> = { source: sourceImageEmb, target: targetImageEmb, textDirection };
  if (opts.nudgedTarget) named.nudgedTarget = opts.nudgedTarget;
  const shapes = describe(named);
  const [B, D] = checkEmbeddings(op, 'source image embeddings', sourceImageEmb, shapes);
  const [Bt, Dt] = checkEmbeddings(op, 'target image embeddings', targetImageEmb, shapes);
  const [Bd, Dd] = checkEmbeddings(op, 'text direction', textDirection, shapes);
  if (Bt !== B || Dt !== D) throw new Error(`${op}: source and target image embeddings must have the same shape [B, D] (${shapes})`);
  if (Dd !== D || (Bd !== 1 && Bd !== B)) throw new Error(`${op}: the text direction must be [1, ${D}] or [${B}, ${D}] (${shapes})`);
  if (opts.nudgedTarget) {
    const [Bn, Dn] = checkEmbeddings(op, 'nudged target embeddings', opts.nudgedTarget, shapes);
    if (Bn !== B || Dn !== D) throw new Error(`${op}: nudgedTarget must have the target's shape [${B}, ${D}] (${shapes})`);
  }
  checkSameRuntime(op, Object.values(named), shapes);

  const src = l2Normalize(sourceImageEmb);
  let edit = sub(l2Normalize(targetImageEmb), src);
  if (opts.nudgedTarget) {
    const isZero = equal(sum(edit, [0, 1], true), zeros(edit.rt, [1, 1]));
    edit = where(isZero, sub(l2Normalize(opts.nudgedTarget), src), edit);
  }
  const cos = cosineSimilarity(l2Normalize(edit), textDirection);
  return mean(addScalar(mulScalar(cos, -1), 1));
}

/** Whether normalize(target) − normalize(source) sums to exactly zero (the official fallback's test). One readback. */
export async function imageDirectionIsZero(sourceImageEmb: Tensor, targetImageEmb: Tensor): Promise<boolean> {
  const shapes = describe({ source: sourceImageEmb, target: targetImageEmb });
  const [B, D] = checkEmbeddings('imageDirectionIsZero', 'source image embeddings', sourceImageEmb, shapes);
  const [Bt, Dt] = checkEmbeddings('imageDirectionIsZero', 'target image embeddings', targetImageEmb, shapes);
  if (Bt !== B || Dt !== D) throw new Error(`imageDirectionIsZero: source and target must have the same shape (${shapes})`);
  const rt = sourceImageEmb.rt;
  const total = rt.noGrad(() => sum(sub(l2Normalize(targetImageEmb), l2Normalize(sourceImageEmb))));
  try {
    return (await total.read())[0] === 0;
  } finally {
    total.dispose();
  }
}

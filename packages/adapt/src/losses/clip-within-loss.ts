/**
 * MindTheGap's within-domain CLIP loss (`clip_within` in StyleDomain's one-shot configs): the
 * offset of each adapted image from the style image should match the offset of its source image
 * from the style image's source reconstruction G_src(w_style):
 *
 *   L = mean_b (1 − cos(t_b − r, s_b − r_src))
 *
 * t, s, r = E(style image), r_src = E(G_src(w_style)) are L2-normalised CLIP image embeddings.
 */
import { addScalar, cosineSimilarity, l2Normalize, mean, mulScalar, sub, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function clipWithinLoss(targetEmb: Tensor, styleEmb: Tensor, sourceEmb: Tensor, styleSourceEmb: Tensor): Tensor {
  const op = 'clipWithinLoss';
  const named = { target: targetEmb, style: styleEmb, source: sourceEmb, styleSource: styleSourceEmb };
  const shapes = describe(named);
  const [B, D] = checkEmbeddings(op, 'target image embeddings', targetEmb, shapes);
  const [Bs, Ds] = checkEmbeddings(op, 'source image embeddings', sourceEmb, shapes);
  const [B1, D1] = checkEmbeddings(op, 'style image embedding', styleEmb, shapes);
  const [B2, D2] = checkEmbeddings(op, 'style source embedding', styleSourceEmb, shapes);
  if (Bs !== B || Ds !== D) throw new Error(`${op}: source and target embeddings must have the same shape (${shapes})`);
  if (B1 !== 1 || B2 !== 1 || D1 !== D || D2 !== D) throw new Error(`${op}: the style embeddings must be [1, ${D}] (${shapes})`);
  checkSameRuntime(op, Object.values(named), shapes);
  const a = sub(l2Normalize(targetEmb), l2Normalize(styleEmb));
  const b = sub(l2Normalize(sourceEmb), l2Normalize(styleSourceEmb));
  return mean(addScalar(mulScalar(cosineSimilarity(a, b), -1), 1));
}

/**
 * MindTheGap's reference CLIP loss (`clip_ref`): the adapted generator at the style image's latent
 * should look like the style image to CLIP,
 *
 *   L = mean_b (1 − cos(E(G_tgt(w_style))_b, E(style image)))
 */
import { addScalar, cosineSimilarity, mean, mulScalar, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function clipRefLoss(reconstructionEmb: Tensor, styleEmb: Tensor): Tensor {
  const op = 'clipRefLoss';
  const shapes = describe({ reconstruction: reconstructionEmb, style: styleEmb });
  const [, D] = checkEmbeddings(op, 'reconstruction embeddings', reconstructionEmb, shapes);
  const [B1, D1] = checkEmbeddings(op, 'style image embedding', styleEmb, shapes);
  if (B1 !== 1 || D1 !== D) throw new Error(`${op}: the style embedding must be [1, ${D}] (${shapes})`);
  checkSameRuntime(op, [reconstructionEmb, styleEmb], shapes);
  return mean(addScalar(mulScalar(cosineSimilarity(reconstructionEmb, styleEmb), -1), 1));
}

/**
 * StyleGAN-NADA's manifold-angle loss, `CLIPLoss.clip_angle_loss`
 * (rinongal/StyleGAN-nada `ZSSGAN/criteria/clip_loss.py`, weight `--lambda_manifold`, default 0):
 *
 *   c_text  = t_tgt · t_src                          class embeddings of `set_text_features`
 *   c_img,b = clamp(e_tgt,b · e_src,b, −1, 1)         normalised image embeddings, per pair
 *   L       = mean_b |c_img,b − c_text|               (`torch.nn.L1Loss`)
 *
 * Despite its name the official loss compares cosines, not angles: it computes the `acos` of both
 * and then never uses them. This follows the code. The class embeddings are re-normalised here,
 * which changes nothing for the unit vectors `classTextEmbedding` returns.
 */
import { abs, clampMax, clampMin, l2Normalize, mean, mul, sub, sum, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function manifoldAngleLoss(sourceImageEmb: Tensor, targetImageEmb: Tensor, sourceClassEmb: Tensor, targetClassEmb: Tensor): Tensor {
  const op = 'manifoldAngleLoss';
  const all = { sourceImage: sourceImageEmb, targetImage: targetImageEmb, sourceClass: sourceClassEmb, targetClass: targetClassEmb };
  const shapes = describe(all);
  const [B, D] = checkEmbeddings(op, 'source image embeddings', sourceImageEmb, shapes);
  const [Bt, Dt] = checkEmbeddings(op, 'target image embeddings', targetImageEmb, shapes);
  const [Ns, Ds] = checkEmbeddings(op, 'source class embedding', sourceClassEmb, shapes);
  const [Nt, Dc] = checkEmbeddings(op, 'target class embedding', targetClassEmb, shapes);
  if (Bt !== B || Dt !== D) throw new Error(`${op}: source and target image embeddings must have the same shape [B, D] (${shapes})`);
  if (Ns !== 1 || Nt !== 1 || Ds !== D || Dc !== D) throw new Error(`${op}: class embeddings must be [1, ${D}] (${shapes})`);
  checkSameRuntime(op, Object.values(all), shapes);

  const cosText = sum(mul(l2Normalize(targetClassEmb), l2Normalize(sourceClassEmb)), 1, true);
  const cosImg = clampMax(clampMin(sum(mul(l2Normalize(targetImageEmb), l2Normalize(sourceImageEmb)), 1, true), -1), 1);
  return mean(abs(sub(cosImg, cosText)));
}


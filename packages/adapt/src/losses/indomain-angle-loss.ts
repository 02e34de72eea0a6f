/**
 * StyleDomain's `indomain` loss (AIRI-Institute/StyleDomain `SimilarDomains/core/loss.py`): keep the
 * pairwise similarity structure of a batch when it moves to the target domain,
 *
 *   L = 2 / (B(B−1)) · Σ_{i>j} (cos(s_i, s_j) − cos(t_i, t_j))²
 *
 * on CLIP image embeddings of the source (s) and adapted (t) images. Needs B ≥ 2.
 */
import { cosineSimilarity, mulScalar, reshape, square, sub, sum, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function inDomainAngleLoss(sourceEmb: Tensor, targetEmb: Tensor): Tensor {
  const op = 'inDomainAngleLoss';
  const shapes = describe({ source: sourceEmb, target: targetEmb });
  const [B, D] = checkEmbeddings(op, 'source image embeddings', sourceEmb, shapes);
  const [Bt, Dt] = checkEmbeddings(op, 'target image embeddings', targetEmb, shapes);
  if (Bt !== B || Dt !== D) throw new Error(`${op}: source and target embeddings must have the same shape [B, D] (${shapes})`);
  if (B < 2) throw new Error(`${op}: needs a batch of at least 2 images to compare pairs (${shapes}); raise the batch size`);
  checkSameRuntime(op, [sourceEmb, targetEmb], shapes);
  const pairCos = (x: Tensor) => cosineSimilarity(reshape(x, [B, 1, D]), reshape(x, [1, B, D]));
  // Full [B, B] matrix: both triangles count each pair twice and the diagonal is 1 − 1 = 0, so
  // Σ_all / (B(B−1)) equals the official 2/(B(B−1))·Σ_{i>j}.
  return mulScalar(sum(square(sub(pairCos(sourceEmb), pairCos(targetEmb)))), 1 / (B * (B - 1)));
}

/**
 * Target–target directional loss (`tt_direction` in StyleDomain's registry): for every pair of
 * samples i < j in a batch whose samples aim at *different* domain embeddings d_i (multi-domain
 * training), the direction between the adapted images should follow the direction between their
 * domains:
 *
 *   L = mean_{i<j} (1 − cos(t_i − t_j, d_i − d_j))
 *
 * (this is our reading of "pairwise target-target directions against text deltas"; with one
 * domain for the whole batch every d_i − d_j is zero and the loss is undefined, so that is refused).
 */
import { addScalar, cosineSimilarity, l2Normalize, mean, mulScalar, reshape, sub, slice, concat, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function ttDirectionLoss(targetEmb: Tensor, domainEmb: Tensor): Tensor {
  const op = 'ttDirectionLoss';
  const shapes = describe({ target: targetEmb, domains: domainEmb });
  const [B, D] = checkEmbeddings(op, 'target image embeddings', targetEmb, shapes);
  const [Bd, Dd] = checkEmbeddings(op, 'domain embeddings', domainEmb, shapes);
  if (Dd !== D) throw new Error(`${op}: image and domain embeddings must have the same width (${shapes})`);
  if (Bd !== B) throw new Error(`${op}: needs one domain embedding per sample [${B}, ${D}] (multi-domain batches); with one shared domain use 'direction' (${shapes})`);
  if (B < 2) throw new Error(`${op}: needs a batch of at least 2 (${shapes})`);
  checkSameRuntime(op, [targetEmb, domainEmb], shapes);
  const t = l2Normalize(targetEmb);
  const d = l2Normalize(domainEmb);
  const pairs = (x: Tensor) => {
    const rows: Tensor[] = [];
    for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++) rows.push(sub(slice(x, [[i, i + 1]]), slice(x, [[j, j + 1]])));
    return concat(rows, 0);
  };
  const cos = cosineSimilarity(pairs(t), pairs(d));
  return mean(addScalar(mulScalar(reshape(cos, [cos.size]), -1), 1));
}

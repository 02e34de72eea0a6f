/**
 * The image-guided ("style images") target direction of StyleGAN-NADA,
 * `CLIPLoss.compute_img2img_direction` (rinongal/StyleGAN-nada `ZSSGAN/criteria/clip_loss.py`,
 * called by `ZSSGAN.set_img2img_direction`):
 *
 *   src = mean_i normalize(E_I(G(z_i)))      images generated at init (`img2img_batch`, 16)
 *   tgt = mean_j normalize(E_I(style_j))     the target images, through CLIP's own preprocess
 *   ΔT  = normalize(tgt − src)               [1, D]; replaces the text direction in the directional loss
 *
 * The official code runs it under `no_grad`; callers here wrap it in `rt.noGrad` the same way
 * (it stays differentiable otherwise, which the tests use).
 */
import { l2Normalize, mean, sub, type Tensor } from '@stylegpu/kernels';
import { checkEmbeddings, checkSameRuntime, describe } from './check.js';

export function imageDirection(sourceImageEmb: Tensor, targetImageEmb: Tensor): Tensor {
  const op = 'imageDirection';
  const shapes = describe({ source: sourceImageEmb, target: targetImageEmb });
  const [, D] = checkEmbeddings(op, 'source image embeddings', sourceImageEmb, shapes);
  const [, Dt] = checkEmbeddings(op, 'target image embeddings', targetImageEmb, shapes);
  if (Dt !== D) throw new Error(`${op}: source and target embeddings must have the same width D (${shapes})`);
  checkSameRuntime(op, [sourceImageEmb, targetImageEmb], shapes);
  const src = mean(l2Normalize(sourceImageEmb), 0, true);
  const tgt = mean(l2Normalize(targetImageEmb), 0, true);
  return l2Normalize(sub(tgt, src));
}

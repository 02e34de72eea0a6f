/**
 * The perceptual term when no LPIPS weights are given: cosine distance between CLIP image embeddings of
 * the generated image and the target, 1 − cos(E(synth), E(target)), with CLIP's preprocessing applied on
 * the GPU (differentiable resize and normalisation of [−1, 1] images).
 */
import { type Tensor, cosineSimilarity, mean, addScalar, neg } from '@stylegpu/kernels';
import { type ClipModel, preprocessGenerated } from '@stylegpu/clip';
import type { PerceptualDistance } from './perceptual.js';

export function clipImageDistance(clip: ClipModel, target: Tensor): PerceptualDistance {
  const rt = target.rt;
  const size = clip.config.vision.imageSize;
  const embed = (img: Tensor) => clip.encodeImage(preprocessGenerated(img, { size }));
  const targetEmbedding = rt.keep(rt.noGrad(() => rt.tidy(() => embed(target))));
  return {
    kind: 'clip',
    distance: (synth) => addScalar(neg(mean(cosineSimilarity(embed(synth), targetEmbedding, -1))), 1),
    dispose: () => targetEmbedding.dispose(),
  };
}

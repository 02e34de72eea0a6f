/**
 * Image-to-image translation by inversion: project a real image into the source generator's latent space,
 * then synthesise the same latent (and the same optimised noise maps) with another generator of the same
 * architecture — typically one adapted from the source (StyleGAN-NADA, StyleDomain), which keeps the
 * source's latent semantics, so the output is the input image "in the other domain".
 */
import type { Runtime, Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { type ProjectOptions, type ProjectionResult, project } from './projection/project.js';
import { checkLatentFits, renderLatent } from './projection/render-latent.js';

export interface TranslationResult {
  projection: ProjectionResult;
  /** The translated image [C, R, R] in about [−1, 1]. */
  image: Float32Array;
}

export async function translateImage(rt: Runtime, source: Generator, target: Generator, image: Tensor, opts: ProjectOptions = {}): Promise<TranslationResult> {
  const a = source.config;
  const b = target.config;
  if (a.imgResolution !== b.imgResolution || a.wDim !== b.wDim || a.imgChannels !== b.imgChannels || source.layers.length !== target.layers.length) {
    throw new Error(
      `translateImage: the generators differ in architecture (${a.imgResolution} px, w ${a.wDim}, ${source.layers.length} layers vs ` +
        `${b.imgResolution} px, w ${b.wDim}, ${target.layers.length} layers); translate between a generator and one adapted from it`,
    );
  }
  const projection = await project(rt, source, image, { space: 'w+', ...opts });
  checkLatentFits(target, projection, 'the projected latent');
  const out = renderLatent(rt, target, projection);
  const data = (await out.read()) as Float32Array;
  out.dispose();
  return { projection, image: data };
}

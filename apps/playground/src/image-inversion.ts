/**
 * Inversion of an image in the page: the invert package's projector (NVIDIA projector.py's
 * schedule) into W+ with the pixel MSE alone (LPIPS's VGG weights are not shipped), the generator's
 * own constant noise kept (at small resolutions the projector's noise regulariser outweighs the
 * pixel loss). The target is prepared as NVIDIA's projector does: centre crop, Lanczos resize.
 */
import type { RasterImage } from '@stylegpu/io';
import type { Runtime } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { project, projectionTarget, psnr, toUint8 } from '@stylegpu/invert';

export interface InvertResult {
  steps: number;
  ms: number;
  firstLoss: number;
  lastLoss: number;
  /** PSNR (dB) of the 8-bit projection against the 8-bit target. */
  psnr: number;
  resolution: number;
  channels: number;
  /** [C, R, R] floats in [−1, 1]: the prepared target and the projection. */
  target: Float32Array;
  image: Float32Array;
  /** The projected latent [1, numWs, wDim]. */
  ws: Float32Array;
}

export type InvertProgress = (step: number, steps: number, loss: number) => void;

export const MAX_INVERT_STEPS = 2000;
/** Fixed, so the same image inverts the same way every time. */
export const INVERT_SEED = 303;

export async function invertImage(rt: Runtime, G: Generator, image: RasterImage, label: string, steps: number, progress: InvertProgress): Promise<InvertResult> {
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_INVERT_STEPS) throw new Error(`Inversion: steps must be an integer in 1–${MAX_INVERT_STEPS}, got ${steps}`);
  const { imgResolution: R, imgChannels: C } = G.config;
  const prepared = projectionTarget(image, R, C, label);
  const target = rt.tensor(prepared.tensor, [1, C, R, R]);
  try {
    const started = performance.now();
    const r = await project(rt, G, target, {
      space: 'w+',
      numSteps: steps,
      optimizeNoise: false,
      seed: INVERT_SEED,
      onStep: (info) => progress(info.step + 1, info.numSteps, info.loss),
    });
    return {
      steps,
      ms: performance.now() - started,
      firstLoss: r.losses[0],
      lastLoss: r.losses[r.losses.length - 1],
      psnr: psnr(toUint8(r.image), toUint8(prepared.tensor)),
      resolution: R,
      channels: C,
      target: prepared.tensor,
      image: r.image,
      ws: r.ws!,
    };
  } finally {
    target.dispose();
  }
}

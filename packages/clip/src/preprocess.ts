/**
 * CLIP's image preprocessing on the GPU, differentiable, in two flavours.
 *
 * OpenAI's `_transform(n_px)` (clip/clip.py) is PIL's: Resize(n_px, BICUBIC) of the shorter side,
 * CenterCrop(n_px), ToTensor (÷255), Normalize(CLIP_MEAN, CLIP_STD). Two ways to follow it here:
 *
 *  - `preprocessGenerated(images in [−1, 1])` is what StyleGAN-NADA feeds CLIP from a generator
 *    (criteria/clip_loss.py): Normalize(−1, 2) to [0, 1], then CLIP's Resize and CenterCrop applied
 *    to the tensor (torchvision → `F.interpolate(bicubic, align_corners=False)`, no antialias by
 *    default), then CLIP's Normalize. The map to [0, 1] is folded into the final normalisation
 *    ((x+1)/2 − m)/s = (x − (2m − 1))/(2s): resize and crop are linear and their weights sum to
 *    one, so this is the same function with one pass and one rounding fewer.
 *  - `preprocessImage(pixels in [0, 1])` for image files: the same steps with antialiased bicubic
 *    (`antialias: true`: PyTorch's PIL-style filter, support scaled by the downscale factor,
 *    A = −0.5 as PIL). Residual difference to CLIP's PIL pipeline: PIL resamples 8-bit images with
 *    fixed-point weights and rounds and clamps the result back to 8 bits, so its pixels differ from
 *    these float ones by up to about half a grey level (≤ 0.5/255 before normalisation) plus PIL's
 *    clipping of bicubic overshoot near hard edges; there is no other difference in the arithmetic.
 *
 * Resize targets follow torchvision's `Resize(int)`: the shorter side becomes `size`, the longer
 * one int(size · long / short) (truncated), then the centred size × size window is kept.
 */
import { centerCrop, formatShape, normalizeChannels, resize, type Tensor } from '@stylegpu/kernels';

/** CLIP's normalisation constants (clip/clip.py `_transform`). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface PreprocessOptions {
  /** Output side, the model's input resolution (`config.vision.imageSize`, 224 for ViT-B/32). */
  size: number;
  /** Antialiased (PIL-like) bicubic when downscaling. */
  antialias?: boolean;
}

/** [shorter side → size, longer side → ⌊size · long / short⌋], as torchvision's Resize(size). */
export function resizedSize(height: number, width: number, size: number): [number, number] {
  if (height <= width) return [size, Math.floor((size * width) / height)];
  return [Math.floor((size * height) / width), size];
}

function resizeAndCrop(op: string, x: Tensor, opts: PreprocessOptions, antialiasDefault: boolean): Tensor {
  const { size, antialias = antialiasDefault } = opts;
  if (x.dtype !== 'f32' || x.rank !== 4 || x.shape[1] !== 3 || x.shape[0] < 1 || x.shape[2] < 1 || x.shape[3] < 1) {
    const why = x.rank === 4 && x.shape[1] !== 3 ? `${x.shape[1]} channels, expected 3 (RGB)` : 'expected f32 [N, 3, H, W]';
    throw new Error(`${op}: images ${x.dtype} ${formatShape(x.shape)}: ${why}`);
  }
  if (!Number.isInteger(size) || size < 1) throw new Error(`${op}: size must be a positive integer, got ${size} (images ${formatShape(x.shape)})`);
  if (typeof antialias !== 'boolean') throw new Error(`${op}: antialias must be a boolean, got ${String(antialias)}`);
  const [H, W] = x.shape.slice(2);
  const resized = resize(x, resizedSize(H, W, size), { mode: 'bicubic', antialias });
  return resized.shape[2] === size && resized.shape[3] === size ? resized : centerCrop(resized, size);
}

/** Generator output [N, 3, H, W] in [−1, 1] → CLIP input [N, 3, size, size], as StyleGAN-NADA (no antialias by default). */
export function preprocessGenerated(images: Tensor, opts: PreprocessOptions): Tensor {
  const x = resizeAndCrop('preprocessGenerated', images, opts, false);
  return normalizeChannels(x, CLIP_MEAN.map((m) => 2 * m - 1), CLIP_STD.map((s) => 2 * s));
}

/** Image pixels [N, 3, H, W] in [0, 1] → CLIP input [N, 3, size, size], close to CLIP's PIL pipeline (antialias by default). */
export function preprocessImage(pixels: Tensor, opts: PreprocessOptions): Tensor {
  const x = resizeAndCrop('preprocessImage', pixels, opts, true);
  return normalizeChannels(x, CLIP_MEAN, CLIP_STD);
}

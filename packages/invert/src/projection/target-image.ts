/**
 * A projection target from an image, as NVIDIA's projector prepares it: the centred square crop of the
 * shorter side, resized to the generator's resolution with PIL's Lanczos (a = 3, widened by the scale when
 * shrinking, each output pixel's weights normalised, rounded to 8 bits), then scaled to [−1, 1].
 * Images smaller than the resolution are refused: the projector would fit the blur of an upscaled image.
 */
import type { RasterImage } from '@stylegpu/io';

export interface ProjectionTarget {
  /** [channels, R, R] uint8, what target.png holds. */
  pixels: Uint8Array;
  /** [1, channels, R, R] in [−1, 1]. */
  tensor: Float32Array;
  resolution: number;
  channels: number;
}

export function projectionTarget(image: RasterImage, resolution: number, channels: number, source = 'target'): ProjectionTarget {
  const { width, height } = image;
  const side = Math.min(width, height);
  if (side < resolution) {
    throw new Error(
      `${source}: the image is ${width}×${height}, smaller than the generator's ${resolution}×${resolution}; give an image at least ` +
        `${resolution} px on its shorter side (it is centre-cropped to a square and downscaled, as NVIDIA's projector does)`,
    );
  }
  if (channels !== 3 && channels !== 1) throw new Error(`${source}: generators with ${channels} image channels are not supported (1 or 3)`);
  const x0 = Math.floor((width - side) / 2);
  const y0 = Math.floor((height - side) / 2);
  // Channel planes of the crop, as float.
  const planes: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    const plane = new Float64Array(side * side);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const at = ((y0 + y) * width + x0 + x) * image.channels;
        plane[y * side + x] = channelValue(image, at, channels === 1 ? -1 : c);
      }
    planes.push(plane);
  }
  const taps = lanczosTaps(side, resolution);
  const pixels = new Uint8Array(channels * resolution * resolution);
  const tensor = new Float32Array(pixels.length);
  for (let c = 0; c < channels; c++) {
    // Horizontal pass then vertical, each rounded as PIL does between passes (it keeps 8 bits per pass).
    const rows = new Float64Array(side * resolution);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < resolution; x++) {
        let acc = 0;
        for (const [i, w] of taps[x]) acc += planes[c][y * side + i] * w;
        rows[y * resolution + x] = clamp8(acc);
      }
    for (let y = 0; y < resolution; y++)
      for (let x = 0; x < resolution; x++) {
        let acc = 0;
        for (const [i, w] of taps[y]) acc += rows[i * resolution + x] * w;
        const v = clamp8(acc);
        pixels[(c * resolution + y) * resolution + x] = v;
        tensor[(c * resolution + y) * resolution + x] = v / 127.5 - 1;
      }
  }
  return { pixels, tensor, resolution, channels };
}

/** One channel of one pixel (grey for c = −1: ITU-R 601-2 luma, as PIL's convert('L')); alpha ignored. */
function channelValue(image: RasterImage, at: number, c: number): number {
  const d = image.data;
  if (image.channels === 1 || image.channels === 2) return d[at];
  if (c >= 0) return d[at + c];
  return (d[at] * 299 + d[at + 1] * 587 + d[at + 2] * 114) / 1000;
}

function clamp8(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

function lanczos(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Per output index: the input indices and normalised weights (PIL's precompute_coeffs for LANCZOS). */
export function lanczosTaps(inSize: number, outSize: number): Array<Array<[number, number]>> {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const out: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    const taps: Array<[number, number]> = [];
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = lanczos((i - centre + 0.5) / filterScale);
      taps.push([i, w]);
      total += w;
    }
    out.push(taps.map(([i, w]) => [i, total !== 0 ? w / total : 0]));
  }
  return out;
}

/**
 * The raster type every image path shares (HWC uint8), its check, and channel conversion.
 * Pure TypeScript, so browsers use it too; the file codecs live in image-codec.ts (Node).
 */

export type Channels = 1 | 2 | 3 | 4;

/** Pixels in row-major HWC order: `data[(y * width + x) * channels + c]`. */
export interface RasterImage {
  width: number;
  height: number;
  channels: Channels;
  data: Uint8Array;
}

export function checkRaster(image: RasterImage, what = 'image'): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`${what}: bad size ${width}×${height}`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`${what}: channels must be 1, 2, 3 or 4, got ${channels}`);
  if (data.length !== width * height * channels) {
    throw new Error(`${what}: ${width}×${height}×${channels} needs ${width * height * channels} bytes, data has ${data.length}`);
  }
}

/**
 * How large an image a decoder will accept. A file's header states its size before any pixel is read, and a
 * 67-byte file can claim 2³¹ × 2³¹ pixels: decoders check the header against these limits before allocating.
 */
export interface ImageSizeLimits {
  /** Widest image accepted, in pixels (default 16384). */
  maxWidth?: number;
  /** Tallest image accepted, in pixels (default 16384). */
  maxHeight?: number;
  /** Most pixels accepted, width × height (default 64 Mi = 67 108 864, e.g. 8192 × 8192). */
  maxPixels?: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<Required<ImageSizeLimits>> = Object.freeze({
  maxWidth: 16384,
  maxHeight: 16384,
  maxPixels: 64 * 1024 * 1024,
});

/** Refuses a stated image size outside `limits` (or not a positive integer), naming the option that raises it. */
export function checkImageSize(width: number, height: number, limits: ImageSizeLimits = {}, what = 'image'): void {
  const { maxWidth, maxHeight, maxPixels } = { ...DEFAULT_IMAGE_LIMITS, ...limits };
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: the header states a size of ${width}×${height}; width and height must be at least 1`);
  }
  if (width > maxWidth) throw new Error(`${what}: ${width}×${height} is wider than the limit of ${maxWidth} pixels (raise it with { maxWidth })`);
  if (height > maxHeight) throw new Error(`${what}: ${width}×${height} is taller than the limit of ${maxHeight} pixels (raise it with { maxHeight })`);
  if (width * height > maxPixels) {
    throw new Error(`${what}: ${width}×${height} is ${width * height} pixels, more than the limit of ${maxPixels} (raise it with { maxPixels })`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Channel conversion, from RGBA (what both decoders give) or between any two counts.
// ---------------------------------------------------------------------------------------------------------------

/** Convert HWC pixels between channel counts. Colour → grey uses the ITU-R 601 luma weights (those of PIL's 'L' mode). */
export function convertChannels(image: RasterImage, channels: Channels): RasterImage {
  checkRaster(image);
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const cin = image.channels;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const p = i * cin;
    const colour = cin >= 3;
    const r = src[p];
    const g = colour ? src[p + 1] : r;
    const b = colour ? src[p + 2] : r;
    const a = cin === 2 ? src[p + 1] : cin === 4 ? src[p + 3] : 255;
    const q = i * channels;
    if (channels === 1 || channels === 2) {
      out[q] = colour ? Math.round((r * 299 + g * 587 + b * 114) / 1000) : r;
      if (channels === 2) out[q + 1] = a;
    } else {
      out[q] = r;
      out[q + 1] = g;
      out[q + 2] = b;
      if (channels === 4) out[q + 3] = a;
    }
  }
  return { width: image.width, height: image.height, channels, data: out };
}

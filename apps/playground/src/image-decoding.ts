/**
 * A dropped or picked image → RGBA raster, decoded by the browser itself (PNG, JPEG, WebP, … —
 * whatever it reads), in the worker through createImageBitmap and an OffscreenCanvas. Large images
 * are refused before decoding their pixels.
 */
import type { RasterImage } from '@stylegpu/io';

export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

export async function decodeImageInBrowser(bytes: Uint8Array<ArrayBuffer>, label: string): Promise<RasterImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${label}: not an image this browser can decode (PNG, JPEG, WebP, …)`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_IMAGE_PIXELS) throw new Error(`${label}: ${width}×${height} is over ${MAX_IMAGE_PIXELS / (1024 * 1024)} Mi pixels; use a smaller image`);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const data = context.getImageData(0, 0, width, height).data;
    return { width, height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
}

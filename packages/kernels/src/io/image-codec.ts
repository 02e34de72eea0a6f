/**
 * Image codecs: PNG (pngjs) and JPEG (jpeg-js) to and from one raster type, HWC uint8.
 *
 * Models take RGB pixels; files come as grey, grey+alpha, palette, RGB, RGBA, at 8 or 16 bits. pngjs already
 * expands every PNG layout to 8-bit RGBA (16-bit samples are scaled by round(v·255/65535)); this module then keeps
 * the channels the image really has (1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha) or converts to the count the
 * caller asks for. Alpha is dropped, never composited: a generator's output has no alpha and a dataset's alpha is
 * the caller's business.
 *
 * Both libraries are pure JS. pngjs leans on Node's `zlib` and `Buffer`, so in a browser bundle it needs the
 * bundler's Node polyfills (or use the browser's own image decoding and hand the pixels to `RasterImage`).
 */

import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

import { type Channels, type RasterImage, checkRaster, convertChannels } from './raster.js';

export { type Channels, type RasterImage, checkRaster, convertChannels };

export interface DecodeOptions {
  /** Convert to this many channels (grey is replicated to RGB; alpha dropped or set to 255). Default: the file's own. */
  channels?: Channels;
}

// ---------------------------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------------------------

export function decodePng(bytes: Uint8Array, options: DecodeOptions = {}): RasterImage {
  let png: pngjs.PNGWithMetadata;
  try {
    png = pngjs.PNG.sync.read(toBuffer(bytes));
  } catch (e) {
    throw new Error(`png: cannot decode (${(e as Error).message})`);
  }
  const rgba: RasterImage = { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data) };
  // pngjs reports the file's layout: `color` is false for greyscale, `alpha` is true for an alpha channel or tRNS.
  const own: Channels = png.color ? (png.alpha ? 4 : 3) : png.alpha ? 2 : 1;
  return convertChannels(rgba, options.channels ?? own);
}

export function encodePng(image: RasterImage): Uint8Array {
  checkRaster(image, 'png');
  // pngjs's packer reads pixels of the given input colour type and writes the same type at 8 bits.
  const colorType = ({ 1: 0, 2: 4, 3: 2, 4: 6 } as const)[image.channels];
  const png = new pngjs.PNG({ width: image.width, height: image.height });
  png.data = toBuffer(image.data);
  const out = pngjs.PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: image.channels === 2 || image.channels === 4,
    bitDepth: 8,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// ---------------------------------------------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------------------------------------------

export function decodeJpeg(bytes: Uint8Array, options: DecodeOptions = {}): RasterImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (e) {
    throw new Error(`jpeg: cannot decode (${(e as Error).message ?? String(e)})`);
  }
  const rgb: RasterImage = { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
  return convertChannels(rgb, options.channels ?? 3);
}

/** Encode to baseline JPEG at `quality` (1–100). Alpha is dropped. */
export function encodeJpeg(image: RasterImage, quality = 95): Uint8Array {
  checkRaster(image, 'jpeg');
  const rgba = convertChannels(image, 4);
  const out = jpeg.encode({ width: image.width, height: image.height, data: rgba.data }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

// ---------------------------------------------------------------------------------------------------------------
// Sniffing
// ---------------------------------------------------------------------------------------------------------------

/** Decode a PNG or JPEG, chosen by the file's signature bytes (not its name). */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RasterImage {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return decodePng(bytes, options);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return decodeJpeg(bytes, options);
  throw new Error('image: unrecognised format (only PNG and JPEG are supported)');
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

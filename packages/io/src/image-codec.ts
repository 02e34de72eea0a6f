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
 *
 * Untrusted files: the size a header states is checked against `ImageSizeLimits` (default 16384 per side and
 * 64 Mi pixels) before either library allocates anything, PNG image data may not inflate past what that size
 * needs, and every failure is an `Error` starting "png: cannot decode" / "jpeg: cannot decode" (or naming the
 * limit), never a TypeError from inside a library.
 */

import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

import { readJpegFrames } from './jpeg-frame.js';
import { type PngLayout, readPngLayout } from './png-layout.js';
import {
  type Channels,
  DEFAULT_IMAGE_LIMITS,
  type ImageSizeLimits,
  type RasterImage,
  checkImageSize,
  checkRaster,
  convertChannels,
} from './raster.js';

export { type Channels, DEFAULT_IMAGE_LIMITS, type ImageSizeLimits, type RasterImage, checkImageSize, checkRaster, convertChannels };

export interface DecodeOptions extends ImageSizeLimits {
  /** Convert to this many channels (grey is replicated to RGB; alpha dropped or set to 255). Default: the file's own. */
  channels?: Channels;
}

/** Deflate's largest expansion: a 258-byte match in under 2 bits is ~1032×; a zlib stream adds a few bytes. */
const MAX_DEFLATE_RATIO = 1032;
const ZLIB_OVERHEAD = 64;

/** A library's complaint as a reason a user can read; its internal crashes say so instead of "undefined". */
function libraryReason(error: unknown, library: string): string {
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError) {
    return `${library} failed on malformed data with an internal ${error.name}`;
  }
  if (error instanceof Error) return error.message || `${library} gave no reason`;
  return String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------------------------

export function decodePng(bytes: Uint8Array, options: DecodeOptions = {}): RasterImage {
  let layout: PngLayout;
  try {
    layout = readPngLayout(bytes);
  } catch (e) {
    throw new Error(`png: cannot decode (${(e as Error).message})`);
  }
  checkImageSize(layout.width, layout.height, options, 'png');
  // A file too small to hold its stated image would still make pngjs allocate the whole image first.
  if (layout.inflatedBytes > layout.compressedBytes * MAX_DEFLATE_RATIO + ZLIB_OVERHEAD) {
    throw new Error(
      `png: cannot decode (${layout.width}×${layout.height} needs ${layout.inflatedBytes} bytes of image data, but the IDAT chunks ` +
        `hold only ${layout.compressedBytes} compressed bytes, which cannot inflate that far: the file is truncated or damaged)`,
    );
  }
  // pngjs caps non-interlaced data at the image size itself but inflates interlaced data without a limit.
  if (layout.interlaced) checkInterlacedInflate(layout);
  let png: pngjs.PNGWithMetadata;
  try {
    png = pngjs.PNG.sync.read(toBuffer(bytes));
  } catch (e) {
    throw new Error(`png: cannot decode (${libraryReason(e, 'pngjs')})`);
  }
  if (png.width !== layout.width || png.height !== layout.height || png.data.length !== png.width * png.height * 4) {
    throw new Error(`png: cannot decode (pngjs returned ${png.data.length} bytes for the ${layout.width}×${layout.height} the header states)`);
  }
  const rgba: RasterImage = { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data) };
  // pngjs reports the file's layout: `color` is false for greyscale, `alpha` is true for an alpha channel or tRNS.
  const own: Channels = png.color ? (png.alpha ? 4 : 3) : png.alpha ? 2 : 1;
  return convertChannels(rgba, options.channels ?? own);
}

/** Inflates the IDAT data with a ceiling of what the image needs, so a deflate bomb stops there. */
function checkInterlacedInflate(layout: PngLayout): void {
  try {
    inflateSync(Buffer.concat(layout.idat), { maxOutputLength: Math.max(1, layout.inflatedBytes) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`png: cannot decode (the image data inflates to more than the ${layout.inflatedBytes} bytes its size needs: a damaged or hostile file)`);
    }
    throw new Error(`png: cannot decode (image data: ${libraryReason(e, 'zlib')})`);
  }
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
  const invalid = (reason: string) => new Error(`jpeg: cannot decode: not a valid JPEG file (${reason})`);
  let frames: ReturnType<typeof readJpegFrames>;
  try {
    frames = readJpegFrames(bytes);
  } catch (e) {
    throw invalid((e as Error).message);
  }
  for (const { width, height } of frames) {
    checkImageSize(width, height, options, 'jpeg');
    // Every 8×8 block of the full-resolution component codes at least one bit (its DC difference), so a file
    // smaller than that is truncated; jpeg-js would still allocate and decode the whole frame from nothing.
    const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
    if (bytes.length * 8 < blocks) {
      throw invalid(`its ${width}×${height} frame has ${blocks} blocks, each coded in at least one bit, but the file is only ${bytes.length} bytes: truncated or damaged`);
    }
  }
  // jpeg-js checks the frame again with its own limits, which also cover files whose segments we could not walk.
  const maxPixels = options.maxPixels ?? DEFAULT_IMAGE_LIMITS.maxPixels;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      // Coefficients (2 bytes per sample), component planes and the RGB output: ~16 bytes per pixel at most.
      maxMemoryUsageInMB: Math.ceil((maxPixels * 16) / 2 ** 20) + 64,
    });
  } catch (e) {
    throw invalid(libraryReason(e, 'jpeg-js'));
  }
  const { width, height, data } = decoded;
  checkImageSize(width, height, options, 'jpeg');
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw invalid(`jpeg-js returned ${data?.length ?? 'no'} bytes for ${width}×${height} RGB`);
  }
  const rgb: RasterImage = { width, height, channels: 3, data };
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

/**
 * What a PNG file says about itself before any pixel is decoded: the IHDR fields and how many compressed bytes
 * its IDAT chunks hold. Read by hand so a hostile header (2³¹ × 2³¹ pixels, a deflate bomb) is refused before
 * pngjs sizes its buffers from it.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Allowed bit depths per colour type, and samples per pixel (PNG spec, table 11.1). */
const COLOUR_TYPES: Readonly<Record<number, { depths: readonly number[]; samples: number }>> = {
  0: { depths: [1, 2, 4, 8, 16], samples: 1 }, // grey
  2: { depths: [8, 16], samples: 3 }, // RGB
  3: { depths: [1, 2, 4, 8], samples: 1 }, // palette index
  4: { depths: [8, 16], samples: 2 }, // grey + alpha
  6: { depths: [8, 16], samples: 4 }, // RGBA
};

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export interface PngLayout {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
  /** The IDAT chunks' data that lies inside the file (views, not copies), and its total length. */
  idat: Uint8Array[];
  compressedBytes: number;
  /** What the image data must inflate to: filter bytes plus packed rows, per interlace pass. */
  inflatedBytes: number;
}

/** Throws a plain message (no prefix) when the bytes are not a PNG with a sound IHDR. */
export function readPngLayout(bytes: Uint8Array): PngLayout {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG file (the 8-byte PNG signature is missing)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 + 8 + 13 || view.getUint32(8) !== 13 || chunkType(bytes, 12) !== 'IHDR') {
    throw new Error('the file does not start with a 13-byte IHDR chunk');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  const [compression, filter, interlace] = [bytes[26], bytes[27], bytes[28]];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new Error(`IHDR states a size of ${width}×${height}; each side must be 1 to 2³¹-1`);
  }
  const colour = COLOUR_TYPES[colourType];
  if (!colour) throw new Error(`IHDR has colour type ${colourType}; PNG defines 0, 2, 3, 4 and 6`);
  if (!colour.depths.includes(bitDepth)) throw new Error(`IHDR has bit depth ${bitDepth}, not allowed with colour type ${colourType} (allowed: ${colour.depths.join(', ')})`);
  if (compression !== 0 || filter !== 0 || interlace > 1) {
    throw new Error(`IHDR has compression ${compression}, filter ${filter}, interlace ${interlace}; PNG defines only 0, 0 and 0 or 1`);
  }

  let compressedBytes = 0;
  const idat: Uint8Array[] = [];
  // Walk the chunks that fit in the file; pngjs reports damaged or missing ones itself.
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) break;
    const type = chunkType(bytes, at + 4);
    if (type === 'IDAT') {
      idat.push(bytes.subarray(at + 8, at + 8 + length));
      compressedBytes += length;
    }
    if (type === 'IEND') break;
    at = end;
  }

  const bitsPerPixel = colour.samples * bitDepth;
  const rowBytes = (pixels: number) => 1 + Math.ceil((pixels * bitsPerPixel) / 8);
  let inflatedBytes = 0;
  if (interlace === 0) {
    inflatedBytes = height * rowBytes(width);
  } else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
      const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
      if (w > 0 && h > 0) inflatedBytes += h * rowBytes(w);
    }
  }
  return { width, height, bitDepth, colourType, interlaced: interlace === 1, idat, compressedBytes, inflatedBytes };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

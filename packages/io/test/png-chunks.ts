/** Builds PNG files chunk by chunk, for tests that need headers and data no encoder would write. */
import { deflateSync } from 'node:zlib';
import { concatBytes } from '../src/testing/fuzz.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Rewrites the CRC of every chunk that lies inside the file, so damage inside chunks reaches the parser. */
export function repairPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > out.length) break;
    view.setUint32(end - 4, crc32(out.subarray(at + 4, end - 4)));
    at = end;
  }
  return out;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface Ihdr {
  width: number;
  height: number;
  bitDepth?: number;
  colourType?: number;
  interlace?: number;
}

export function ihdr({ width, height, bitDepth = 8, colourType = 0, interlace = 0 }: Ihdr): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([bitDepth, colourType, 0, 0, interlace], 8);
  return pngChunk('IHDR', data);
}

/** A whole PNG: signature, IHDR, one IDAT holding `raw` deflated (or `idat` as given), IEND. */
export function pngFile(header: Ihdr, raw: Uint8Array, options: { idat?: Uint8Array } = {}): Uint8Array {
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ihdr(header),
    pngChunk('IDAT', options.idat ?? new Uint8Array(deflateSync(raw))),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  return concatBytes(...parts);
}

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The filtered (filter type 0) scanlines of 8-bit pixels, `channels` bytes each, interlaced with Adam7 or not. */
export function scanlines(width: number, height: number, channels: number, pixels: Uint8Array, interlaced: boolean): Uint8Array {
  const rows: number[] = [];
  const passes = interlaced ? ADAM7 : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes) {
    if (width <= x0 || height <= y0) continue;
    for (let y = y0; y < height; y += dy) {
      rows.push(0);
      for (let x = x0; x < width; x += dx) for (let c = 0; c < channels; c++) rows.push(pixels[(y * width + x) * channels + c]);
    }
  }
  return Uint8Array.from(rows);
}

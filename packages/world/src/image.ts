/**
 * Conversions from the worlds' float CHW pixels to 8-bit HWC rasters (what PNG encoders take), and image grids.
 */

export interface Uint8Image {
  width: number;
  height: number;
  /** Always 3 (RGB). */
  channels: 3;
  /** HWC, row-major. */
  data: Uint8Array;
}

/** One [3, R, R] image in [-1, 1] (at `offset` of `pixels`) as 8-bit HWC RGB: round((v + 1)·127.5), clamped. */
export function toUint8HWC(pixels: Float32Array, resolution: number, offset = 0): Uint8Image {
  const n = resolution * resolution;
  if (!Number.isInteger(resolution) || resolution < 1 || offset < 0 || offset + 3 * n > pixels.length) {
    throw new Error(
      `toUint8HWC: need 3·${resolution}·${resolution} = ${3 * n} floats at offset ${offset}, the array has ${pixels.length}`,
    );
  }
  const data = new Uint8Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const base = offset + c * n;
    for (let k = 0; k < n; k++) {
      const v = Math.round((pixels[base + k] + 1) * 127.5);
      data[3 * k + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: resolution, height: resolution, channels: 3, data };
}

/**
 * A grid of `columns` × ceil(N / columns) images from an [N, 3, R, R] batch, with `gap` pixels of `gapValue`
 * between cells, as 8-bit HWC RGB.
 */
export function imageGrid(
  pixels: Float32Array,
  resolution: number,
  columns: number,
  options: { gap?: number; gapValue?: number } = {},
): Uint8Image {
  const per = 3 * resolution * resolution;
  if (pixels.length === 0 || pixels.length % per !== 0) {
    throw new Error(`imageGrid: ${pixels.length} floats is not a whole number of [3, ${resolution}, ${resolution}] images`);
  }
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`imageGrid: columns must be a positive integer, got ${columns}`);
  const count = pixels.length / per;
  const gap = options.gap ?? 0;
  const rows = Math.ceil(count / columns);
  const width = columns * resolution + (columns - 1) * gap;
  const height = rows * resolution + (rows - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(options.gapValue ?? 255);
  for (let n = 0; n < count; n++) {
    const tile = toUint8HWC(pixels, resolution, n * per);
    const ox = (n % columns) * (resolution + gap);
    const oy = Math.floor(n / columns) * (resolution + gap);
    for (let y = 0; y < resolution; y++) {
      data.set(tile.data.subarray(y * resolution * 3, (y + 1) * resolution * 3), ((oy + y) * width + ox) * 3);
    }
  }
  return { width, height, channels: 3, data };
}

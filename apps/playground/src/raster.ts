/**
 * Generator output → what a canvas shows. NCHW floats in about [−1, 1] become RGBA bytes with
 * NVIDIA's mapping (x + 1)·127.5, rounded and clipped (the same as stylegan's toRasters, so a
 * page pixel equals the PNG `stylegpu generate` writes for the same seed).
 */
export function toRgba(pixels: Float32Array, index: number, channels: number, resolution: number): Uint8ClampedArray<ArrayBuffer> {
  if (channels !== 1 && channels !== 3) throw new Error(`toRgba: images must have 1 or 3 channels, got ${channels}`);
  const plane = resolution * resolution;
  const base = index * channels * plane;
  if (pixels.length < base + channels * plane) throw new Error(`toRgba: image ${index} lies past the end of ${pixels.length} values`);
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = byteOf(pixels[base + (channels === 3 ? c : 0) * plane + p]);
    out[p * 4 + 3] = 255;
  }
  return out;
}

export function byteOf(x: number): number {
  const v = Math.round((x + 1) * 127.5);
  // NaN and −0 fail `v > 0`: both become a plain 0.
  return v > 0 ? (v > 255 ? 255 : v) : 0;
}

/**
 * Generator output [-1, 1] to 8-bit pixels exactly as NVIDIA's generate.py does it:
 * `(img * 127.5 + 128).clamp(0, 255).to(torch.uint8)` — note +128, not +127.5, and truncation.
 * Input NCHW float32 (one image: C×H×W), output HWC uint8.
 */
export function toUint8Hwc(chw: Float32Array, channels: number, height: number, width: number): Uint8Array {
  if (chw.length !== channels * height * width) {
    throw new Error(`toUint8Hwc: ${chw.length} values for a ${channels}×${height}×${width} image`);
  }
  const out = new Uint8Array(height * width * channels);
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) {
      const v = Math.fround(Math.fround(chw[c * plane + i] * 127.5) + 128);
      // NaN clamps to 0 in torch's uint8 cast after clamp? It does not: refuse instead.
      if (Number.isNaN(v)) throw new Error('toUint8Hwc: the image contains NaN');
      out[i * channels + c] = Math.trunc(Math.min(255, Math.max(0, v)));
    }
  }
  return out;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004), the standard Gaussian-window form: for every
 * 11×11 window (σ = 1.5, weights summing to 1, windows wholly inside the image — MATLAB `ssim_index`'s 'valid'),
 *
 *   SSIM = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),  C1 = (0.01 L)², C2 = (0.03 L)²
 *
 * with weighted means and (biased) weighted variances and covariance; the image's SSIM is the mean over
 * windows and channels. Images smaller than 11 px use the largest odd window that fits.
 */
export interface SsimOptions {
  dataRange?: number;
  window?: number;
  sigma?: number;
}

/** a, b: [C, H, W] planes. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, height: number, width: number, opts: SsimOptions = {}): number {
  if (a.length !== b.length || a.length !== channels * height * width) {
    throw new Error(`ssim: images of ${a.length} and ${b.length} values for [${channels}, ${height}, ${width}]`);
  }
  const L = opts.dataRange ?? 255;
  const c1 = (0.01 * L) ** 2;
  const c2 = (0.03 * L) ** 2;
  let win = Math.min(opts.window ?? 11, height, width);
  if (win % 2 === 0) win -= 1;
  const g = gaussianWindow(win, opts.sigma ?? 1.5);
  let total = 0;
  let count = 0;
  for (let c = 0; c < channels; c++) {
    const off = c * height * width;
    for (let y = 0; y + win <= height; y++)
      for (let x = 0; x + win <= width; x++) {
        let mx = 0;
        let my = 0;
        let xx = 0;
        let yy = 0;
        let xy = 0;
        for (let i = 0; i < win; i++)
          for (let j = 0; j < win; j++) {
            const w = g[i] * g[j];
            const p = a[off + (y + i) * width + x + j];
            const q = b[off + (y + i) * width + x + j];
            mx += w * p;
            my += w * q;
            xx += w * p * p;
            yy += w * q * q;
            xy += w * p * q;
          }
        const vx = xx - mx * mx;
        const vy = yy - my * my;
        const cov = xy - mx * my;
        total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
  }
  return total / count;
}

/** The normalised 1-D Gaussian of `size` taps (the 2-D window is its outer product). */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  const mid = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += g[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

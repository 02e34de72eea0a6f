/** Float64 reference of the inversion's noise regularisation (StyleGAN2 projector). */

/** Σ over scales down to 8 of mean(n·roll_x n)² + mean(n·roll_y n)², in float64. */
export function noiseRegRef(maps: Float64Array[], sizes: number[]): number {
  let total = 0;
  maps.forEach((m0, k) => {
    let m = m0;
    let s = sizes[k];
    for (;;) {
      let ax = 0;
      let ay = 0;
      for (let y = 0; y < s; y++)
        for (let x = 0; x < s; x++) {
          ax += m[y * s + x] * m[y * s + ((x + s - 1) % s)];
          ay += m[y * s + x] * m[((y + s - 1) % s) * s + x];
        }
      total += (ax / (s * s)) ** 2 + (ay / (s * s)) ** 2;
      if (s <= 8) break;
      const h = s / 2;
      const p = new Float64Array(h * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) p[y * h + x] = (m[2 * y * s + 2 * x] + m[2 * y * s + 2 * x + 1] + m[(2 * y + 1) * s + 2 * x] + m[(2 * y + 1) * s + 2 * x + 1]) / 4;
      m = p;
      s = h;
    }
  });
  return total;
}

/**
 * A square RGB canvas in normalised coordinates: (0, 0) is the top-left corner of the image, (1, 1) the
 * bottom-right, y points down, and pixel (i, j) samples at ((i + 0.5)/R, (j + 0.5)/R).
 *
 * Shapes are painted back to front from signed distance functions. A pixel's coverage is the distance across a
 * one-pixel box filter, clamp(0.5 − d·R, 0, 1): exact for a straight edge through the pixel, and deterministic
 * (no random supersampling), so the same factors always give the same bytes.
 */

import type { Rgb } from './colour.js';

/** A colour that may vary across the shape (e.g. stripes); receives normalised coordinates, writes into `out`. */
export type Shader = (x: number, y: number, out: Rgb) => void;

export class Canvas {
  readonly resolution: number;
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;
  private readonly scratch: Rgb = [0, 0, 0];

  constructor(resolution: number) {
    this.resolution = resolution;
    const n = resolution * resolution;
    this.r = new Float32Array(n);
    this.g = new Float32Array(n);
    this.b = new Float32Array(n);
  }

  fill(colour: Rgb): void {
    this.r.fill(colour[0]);
    this.g.fill(colour[1]);
    this.b.fill(colour[2]);
  }

  /**
   * Paints the region where `sd(x, y) < 0` over what is there, with antialiased edges. Only pixels inside the box
   * [x0, x1] × [y0, y1] (normalised) are visited: the caller guarantees the shape lies inside it.
   */
  paint(
    sd: (x: number, y: number) => number,
    colour: Rgb | Shader,
    box: { x0: number; y0: number; x1: number; y1: number },
    opacity = 1,
  ): void {
    const R = this.resolution;
    const i0 = Math.max(0, Math.floor(box.x0 * R - 1));
    const i1 = Math.min(R - 1, Math.ceil(box.x1 * R + 1));
    const j0 = Math.max(0, Math.floor(box.y0 * R - 1));
    const j1 = Math.min(R - 1, Math.ceil(box.y1 * R + 1));
    const shader = typeof colour === 'function' ? colour : undefined;
    let c = shader ? this.scratch : (colour as Rgb);
    for (let j = j0; j <= j1; j++) {
      const y = (j + 0.5) / R;
      for (let i = i0; i <= i1; i++) {
        const x = (i + 0.5) / R;
        const d = sd(x, y);
        let a = 0.5 - d * R;
        if (a <= 0) continue;
        if (a > 1) a = 1;
        a *= opacity;
        if (shader) {
          shader(x, y, this.scratch);
          c = this.scratch;
        }
        const k = j * R + i;
        this.r[k] += (c[0] - this.r[k]) * a;
        this.g[k] += (c[1] - this.g[k]) * a;
        this.b[k] += (c[2] - this.b[k]) * a;
      }
    }
  }

  /** Writes the canvas as CHW float32 in [-1, 1] (StyleGAN's training range) at `offset` of `out`. */
  writeCHW(out: Float32Array, offset = 0): void {
    const n = this.resolution * this.resolution;
    const planes = [this.r, this.g, this.b];
    for (let c = 0; c < 3; c++) {
      const src = planes[c];
      const base = offset + c * n;
      for (let k = 0; k < n; k++) {
        const v = src[k];
        out[base + k] = (v < 0 ? 0 : v > 1 ? 1 : v) * 2 - 1;
      }
    }
  }
}

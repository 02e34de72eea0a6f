/**
 * Sample grids: N equally sized HWC uint8 images tiled row by row into one image, as StyleGAN tools save their
 * samples (`fakes.png`) for a glance at quality and diversity.
 *
 * Layout: image i goes to row floor(i / cols), column i % cols. With padding p, every cell is surrounded by a
 * p-pixel border of the background colour, so the result is cols·(w+p)+p wide and rows·(h+p)+p tall (the same
 * arithmetic as torchvision's make_grid); p = 0 gives NVIDIA's seamless grid. Unused cells in the last row stay
 * background.
 */

import { checkRaster, type RasterImage } from './raster.js';

export interface GridOptions {
  /** Images per row. Default: ceil(sqrt(N)), a near-square grid. */
  cols?: number;
  /** Border in pixels around and between cells. Default 0. */
  padding?: number;
  /** Background value per channel (one number for all channels, or one per channel). Default 0. */
  background?: number | number[];
}

export function imageGrid(images: RasterImage[], options: GridOptions = {}): RasterImage {
  if (images.length === 0) throw new Error('imageGrid: no images given');
  const { width: w, height: h, channels: c } = images[0];
  images.forEach((im, i) => {
    checkRaster(im, `imageGrid: image ${i}`);
    if (im.width !== w || im.height !== h || im.channels !== c) {
      throw new Error(
        `imageGrid: image ${i} is ${im.width}×${im.height}×${im.channels}, but image 0 is ${w}×${h}×${c}; all must match`,
      );
    }
  });
  const cols = options.cols ?? Math.ceil(Math.sqrt(images.length));
  const pad = options.padding ?? 0;
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`imageGrid: cols must be a positive integer, got ${cols}`);
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`imageGrid: padding must be an integer ≥ 0, got ${pad}`);
  const bg = typeof options.background === 'number' || options.background === undefined
    ? new Array<number>(c).fill(options.background ?? 0)
    : options.background;
  if (bg.length !== c) throw new Error(`imageGrid: background has ${bg.length} values for ${c} channels`);

  const rows = Math.ceil(images.length / cols);
  const width = cols * (w + pad) + pad;
  const height = rows * (h + pad) + pad;
  const data = new Uint8Array(width * height * c);
  if (bg.some((v) => v !== 0)) {
    for (let p = 0; p < width * height; p++) for (let k = 0; k < c; k++) data[p * c + k] = bg[k];
  }
  const rowBytes = w * c;
  images.forEach((im, i) => {
    const x0 = pad + (i % cols) * (w + pad);
    const y0 = pad + Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      // One row of a cell is contiguous in both images, so copy it whole.
      data.set(im.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y0 + y) * width + x0) * c);
    }
  });
  return { width, height, channels: c, data };
}

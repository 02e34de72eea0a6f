/** The image grid: one pixel-exact canvas per seed, enlarged by CSS (nearest neighbour). */
import { toRgba } from '../raster.js';
import type { RenderedImages } from '../protocol.js';

export function drawGrid(container: HTMLElement, seeds: readonly number[], images: RenderedImages): void {
  if (images.count !== seeds.length) throw new Error(`drawGrid: ${images.count} images for ${seeds.length} seeds`);
  const { resolution: R, channels } = images;
  // Reuse the canvases when the seeds are the same, so slider updates do not flicker.
  const same = container.children.length === seeds.length && [...container.children].every((f, i) => (f as HTMLElement).dataset.seed === String(seeds[i]));
  if (!same) {
    container.replaceChildren(
      ...seeds.map((seed) => {
        const figure = document.createElement('figure');
        figure.dataset.seed = String(seed);
        const canvas = document.createElement('canvas');
        const caption = document.createElement('figcaption');
        caption.textContent = `seed ${seed}`;
        figure.append(canvas, caption);
        return figure;
      }),
    );
  }
  seeds.forEach((_, i) => drawImage(container.children[i].querySelector('canvas')!, images.pixels, channels, R, i));
}

/** Image `index` of NCHW floats onto a canvas of the image's own size. */
export function drawImage(canvas: HTMLCanvasElement, pixels: Float32Array, channels: number, resolution: number, index = 0): void {
  if (canvas.width !== resolution || canvas.height !== resolution) {
    canvas.width = resolution;
    canvas.height = resolution;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(toRgba(pixels, index, channels, resolution), resolution, resolution), 0, 0);
}

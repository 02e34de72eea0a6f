/** The image grid: one pixel-exact canvas per image, enlarged by CSS (nearest neighbour). */
import { toRgba } from '../raster.js';
import type { RenderedImages } from '../protocol.js';

/** One figure per image, captioned with `labels` ('seed 3', 'projection of cat.png'). */
export function drawGrid(container: HTMLElement, labels: readonly string[], images: RenderedImages): void {
  if (images.count !== labels.length) throw new Error(`drawGrid: ${images.count} images for ${labels.length} labels`);
  const { resolution: R, channels } = images;
  // Reuse the canvases when the images are the same, so slider updates do not flicker.
  const same = container.children.length === labels.length && [...container.children].every((f, i) => (f as HTMLElement).dataset.label === labels[i]);
  if (!same) {
    container.replaceChildren(
      ...labels.map((label) => {
        const figure = document.createElement('figure');
        figure.dataset.label = label;
        const canvas = document.createElement('canvas');
        const caption = document.createElement('figcaption');
        caption.textContent = label;
        figure.append(canvas, caption);
        return figure;
      }),
    );
  }
  labels.forEach((_, i) => drawImage(container.children[i].querySelector('canvas')!, images.pixels, channels, R, i));
}

/** Image `index` of NCHW floats onto a canvas of the image's own size. */
export function drawImage(canvas: HTMLCanvasElement, pixels: Float32Array, channels: number, resolution: number, index = 0): void {
  if (canvas.width !== resolution || canvas.height !== resolution) {
    canvas.width = resolution;
    canvas.height = resolution;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(toRgba(pixels, index, channels, resolution), resolution, resolution), 0, 0);
}

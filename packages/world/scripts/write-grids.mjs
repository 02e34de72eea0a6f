// Writes the sample grids shown in README.md (docs/*.png) from the built package: `npm run build && npm run grids`.
// Optional arguments: an output folder (default docs/) and a resolution list (default 64).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';

import { imageGrid, loadWorld } from '../dist/index.js';

const outDir = process.argv[2] ?? new URL('../docs/', import.meta.url).pathname;
const resolutions = (process.argv[3] ?? '64').split(',').map(Number);
mkdirSync(outDir, { recursive: true });

function writePng(path, image) {
  const png = new pngjs.PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  writeFileSync(path, pngjs.PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

for (const name of ['world:shapes', 'world:faces']) {
  for (const resolution of resolutions) {
    const world = loadWorld(name, { resolution });
    const [columns, rows] = resolution <= 32 ? [8, 8] : [8, 4];
    for (const split of ['train', 'heldout']) {
      const batch = world.batch(Array.from({ length: columns * rows }, (_, i) => i), { seed: 0, split });
      const file = join(outDir, `${name.slice(6)}-${split}-${resolution}.png`);
      writePng(file, imageGrid(batch.pixels, resolution, columns, { gap: 2 }));
      console.log(file);
      if (split === 'train' && resolution === resolutions[0]) {
        batch.captions.slice(0, columns).forEach((c, i) => console.log(`  ${i}: ${c}`));
      }
    }
  }
}

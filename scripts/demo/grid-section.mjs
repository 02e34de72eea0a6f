// Section 1: 32 images of the embedded generator (seeds 0–31, NumPy RandomState z as NVIDIA's
// generate.py draws them, constant noise), tiled 8 per row by stylegan's sampleGrid.
import { join } from 'node:path';
import { Generator, sampleGrid } from '@stylegpu/stylegan';
import { GENERATOR } from './embedded.mjs';
import { writeRasterPng } from './images.mjs';

export async function gridSection({ rt, out }) {
  const G = await Generator.load(rt, GENERATOR);
  try {
    const c = G.config;
    const params = [...G.params.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    console.log(`  generator: ${c.imgResolution} px, z ${c.zDim}, w ${c.wDim}, ${G.numWs} ws, ${(params / 1e6).toFixed(2)} M numbers`);
    const t = performance.now();
    const seeds = Array.from({ length: 32 }, (_, i) => i);
    const grid = await sampleGrid(G, { seeds, cols: 8, batch: 16 });
    const file = join(out, 'grid.png');
    writeRasterPng(file, grid, 4);
    console.log(`  ${seeds.length} images (seeds 0–${seeds.length - 1}) in ${((performance.now() - t) / 1000).toFixed(1)} s → ${file} (×4 nearest-neighbour)`);
  } finally {
    G.dispose();
  }
}

// Section 3: a world:shapes test image projected into the embedded generator's W+ with the library's
// projector (NVIDIA's projector.py schedule; MSE only: the LPIPS weights are not shipped). PSNR of
// the 8-bit images, as `stylegpu compare-inversions` measures it.
import { join } from 'node:path';
import { Generator } from '@stylegpu/stylegan';
import { loadWorld } from '@stylegpu/world';
import { project, psnr, toUint8 } from '@stylegpu/invert';
import { GENERATOR } from './embedded.mjs';
import { imagesToRasters, writeGridPng } from './images.mjs';

const STEPS = 300;
const SAMPLE = { index: 0, seed: 0, split: 'test' };

export async function inversionSection({ rt, out }) {
  const G = await Generator.load(rt, GENERATOR);
  const R = G.config.imgResolution;
  const world = loadWorld('world:shapes', { resolution: R });
  const sample = world.sample(SAMPLE.index, { seed: SAMPLE.seed, split: SAMPLE.split });
  const target = rt.tensor(sample.pixels, [1, 3, R, R]);
  try {
    console.log(`  target: world:shapes ${SAMPLE.split} split, seed ${SAMPLE.seed}, index ${SAMPLE.index}: "${sample.caption}"`);
    const t = performance.now();
    // The generator's own constant noise is kept: at 32 px the projector's noise regulariser (1e5, scaled for
    // 1024 px maps) would outweigh the pixel loss.
    const r = await project(rt, G, target, { space: 'w+', numSteps: STEPS, optimizeNoise: false, seed: 303 });
    const s = (performance.now() - t) / 1000;
    const targetBytes = toUint8(sample.pixels);
    const dB = psnr(toUint8(r.image), targetBytes);
    console.log(`  W+ (${G.numWs} × ${G.config.wDim}), ${STEPS} steps in ${s.toFixed(1)} s: MSE loss ${r.losses[0].toFixed(4)} → ${r.losses.at(-1).toFixed(4)}, PSNR ${dB.toFixed(2)} dB`);
    const pair = new Float32Array(2 * 3 * R * R);
    pair.set(sample.pixels, 0);
    pair.set(r.image, 3 * R * R);
    const file = join(out, 'inversion.png');
    writeGridPng(file, imagesToRasters(pair, 2, R), { cols: 2 });
    console.log(`  → ${file} (target | projection)`);
  } finally {
    target.dispose();
    G.dispose();
  }
}

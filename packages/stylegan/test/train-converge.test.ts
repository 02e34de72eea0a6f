/**
 * A short run on the easiest data there is — every real image one flat colour, 8×8 — moves the
 * way a GAN should: D gets better than chance (its loss falls below 2·ln 2, the value when it
 * cannot tell real from fake), G's loss rises above ln 2 as D wins, and G_ema's samples (fixed
 * seeds, const noise) move towards the colour. 80 iterations of batch 4 at tiny channel counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RasterImage } from '@stylegpu/io';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { ImageArraySource } from '../src/train/image-source.js';
import { networkConfig } from '../src/train/network-config.js';
import { sampleGrid } from '../src/train/sample-grid.js';
import { StyleGan2Trainer } from '../src/train/trainer.js';

const seed = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 1000));
let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
  console.log(`train-converge seed ${seed} (STYLEGPU_TEST_SEED to repeat)`);
});
afterAll(() => rt?.destroy());

/** RMS distance of an RGB grid's pixels (mapped back to [−1, 1]) from a colour. */
function distance(grid: RasterImage, rgb: number[]): number {
  let d = 0;
  const n = grid.width * grid.height;
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) d += (grid.data[p * 3 + c] / 127.5 - 1 - (rgb[c] / 127.5 - 1)) ** 2;
  return Math.sqrt(d / (3 * n));
}

describe('a short run on a one-colour dataset', () => {
  it('D beats chance, G loss rises, and G_ema moves towards the colour', async () => {
    const R = 8;
    const colour = [220, 40, 90];
    const image: RasterImage = { width: R, height: R, channels: 3, data: Uint8Array.from({ length: R * R * 3 }, (_, i) => colour[i % 3]) };
    const source = new ImageArraySource([image], { name: 'flat' });
    const configs = networkConfig({ resolution: R, channelBase: 128, channelMax: 16, zDim: 32, wDim: 32, mappingLayers: 2 });
    const trainer = StyleGan2Trainer.create(rt, configs, { batch: 4, gamma: 0, emaKimg: 0.02, seed });
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const before = distance(await sampleGrid(trainer.Gema, { seeds }), colour);
    const lossD: number[] = [];
    const lossG: number[] = [];
    for (let step = 0; step < 80; step++) {
      const reals = rt.tensor(source.batch(step, 4), [4, 3, R, R]);
      const s = await trainer.step(reals);
      reals.dispose();
      lossD.push(s.lossD);
      lossG.push(s.lossG);
    }
    const after = distance(await sampleGrid(trainer.Gema, { seeds }), colour);
    trainer.dispose();
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const first = { D: mean(lossD.slice(0, 20)), G: mean(lossG.slice(0, 20)) };
    const last = { D: mean(lossD.slice(-20)), G: mean(lossG.slice(-20)) };
    console.log(`D loss ${first.D.toFixed(3)} → ${last.D.toFixed(3)}, G loss ${first.G.toFixed(3)} → ${last.G.toFixed(3)}, distance to the colour ${before.toFixed(3)} → ${after.toFixed(3)}`);
    // At the start D cannot tell: its loss is near 2·ln 2 ≈ 1.386 and G's near ln 2 ≈ 0.693.
    expect(Math.abs(lossD[0] - 2 * Math.LN2)).toBeLessThan(0.3);
    expect(last.D).toBeLessThan(first.D);
    expect(last.D).toBeLessThan(1.2);
    expect(last.G).toBeGreaterThan(0.9);
    expect(after).toBeLessThan(0.75 * before);
  });
});

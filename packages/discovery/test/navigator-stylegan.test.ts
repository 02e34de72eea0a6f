/**
 * The navigator on a real StyleGAN2 (the 16 px test fixture): gradients flow from the contrastive
 * loss through a sensor (random small CLIP, and the fixture's discriminator) and the synthesis
 * network to the navigator's directions and heat; the generator and sensors stay frozen.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Discriminator, Generator, loadStyleGanCheckpoint, type StyleGanCheckpoint } from '@stylegpu/stylegan';
import { styleGanLatents } from '../src/latent-generator.js';
import { Navigator } from '../src/navigator/navigator.js';
import { NavigatorTrainer } from '../src/navigator/navigator-trainer.js';
import { randomClipSensor } from '../src/sensors/clip-token-sensor.js';
import { discriminatorSensor } from '../src/sensors/discriminator-sensor.js';
import type { FeatureSensor } from '../src/sensors/feature-sensor.js';

const fixture = join(import.meta.dirname, '..', '..', 'stylegan', 'fixtures', 'g16_nvidia.pkl');
let rt: Runtime;
let ckpt: StyleGanCheckpoint;
let G: Generator;
beforeAll(async () => {
  rt = await createRuntime();
  ckpt = await loadStyleGanCheckpoint(fixture);
  G = Generator.fromWeights(rt, ckpt.config.generator, ckpt.generator);
});
afterAll(() => {
  G?.dispose();
  rt?.destroy();
});

async function stepsMove(sensor: FeatureSensor) {
  const gen = styleGanLatents(G);
  const nav = Navigator.create(rt, { wDim: gen.wDim, numWs: gen.numWs, directions: 3, type: 'fixed', heat: 'global' }, 1);
  const params = nav.parameters();
  const before = await Promise.all([...params.values()].map((t) => t.read()));
  const gBefore = await G.params.get('synthesis.b16.conv1.weight')!.read();
  const trainer = await NavigatorTrainer.create(gen, nav, sensor, { pairs: 2, lr: 0.01 });
  try {
    const results = await trainer.train(2);
    for (const r of results) expect(Number.isFinite(r.loss) && r.pos <= 0 && r.neg >= 0).toBe(true);
    const after = await Promise.all([...params.values()].map((t) => t.read()));
    after.forEach((a, i) => {
      expect(a.every(Number.isFinite)).toBe(true);
      expect(a.some((x, j) => Math.abs(x - before[i][j]) > 1e-6), [...params.keys()][i]).toBe(true);
    });
    expect([...(await G.params.get('synthesis.b16.conv1.weight')!.read())]).toEqual([...gBefore]);
  } finally {
    trainer.dispose();
    nav.dispose();
  }
}

describe('the navigator on the 16 px fixture generator', () => {
  it('random small CLIP tokens: directions and heat logits move, G does not', async () => {
    const sensor = randomClipSensor(rt, { imageSize: 32, patchSize: 8, width: 32, layers: 2, seed: 1 });
    try {
      await stepsMove(sensor);
    } finally {
      sensor.clip.dispose();
    }
  });

  it('discriminator features (when the checkpoint holds D)', async () => {
    if (!ckpt.config.discriminator || !ckpt.discriminator) {
      console.log('skipped: the fixture holds no discriminator');
      return;
    }
    const D = Discriminator.fromWeights(rt, ckpt.config.discriminator, ckpt.discriminator);
    try {
      await stepsMove(discriminatorSensor(D));
    } finally {
      D.dispose();
    }
  });
});

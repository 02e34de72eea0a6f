/**
 * Sensors: CLIP patch tokens (the token path finished by ln_post/proj equals ClipModel.encodeImage,
 * so the intermediate maps are the tower's own), and discriminator features (the last map finished
 * by D's epilogue equals Discriminator.forward). Both pass gradients to the images.
 */
import { relError } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backward, biasAct, createRuntime, linear, minibatchStd, reshape, sum, square, type Runtime, type Tensor } from '@stylegpu/kernels';
import { preprocessGenerated } from '@stylegpu/clip';
import { Discriminator, initDiscriminatorWeights, networkConfig } from '@stylegpu/stylegan';
import { randomClipSensor } from '../src/sensors/clip-token-sensor.js';
import { discriminatorSensor } from '../src/sensors/discriminator-sensor.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';

const seed = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 1e6));
let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe(`sensors (seed ${seed})`, () => {
  it('CLIP tokens: maps [N, width, g, g] after the chosen blocks; finished, they equal encodeImage', async () => {
    const sensor = randomClipSensor(rt, { imageSize: 16, patchSize: 4, width: 32, layers: 3, seed: seed % 100, blocks: [0, 2] });
    try {
      const rng = new SeededRandom(seed);
      const images = rt.tensor(rng.normals(2 * 3 * 24 * 24, 0.5), [2, 3, 24, 24]);
      const { maps, final } = sensor.tokensAndFinal(images);
      expect(maps.map((m) => m.shape)).toEqual([[2, 32, 4, 4], [2, 32, 4, 4]]);
      const ref = sensor.clip.encodeImage(preprocessGenerated(images, { size: 16 }));
      expect(relError(await final.read(), await ref.read())).toBeLessThan(1e-5);
      expect(sensor.features(images).length).toBe(2);
      expect(sensor.name).toBe('clip-tokens[0,2]');
      // Gradient to the images.
      const x = rt.tensor(rng.normals(1 * 3 * 16 * 16, 0.5), [1, 3, 16, 16]);
      x.requiresGrad = true;
      backward(sum(square(sensor.features(x)[1])));
      const g = await x.grad!.read();
      expect(g.some((v) => v !== 0) && g.every(Number.isFinite)).toBe(true);
      expect(() => randomClipSensor(rt, { imageSize: 16, patchSize: 4, width: 32, layers: 2, blocks: [2] })).toThrow(/block 2 is not one of the image tower's 2 blocks \(0..1\)/);
    } finally {
      sensor.clip.dispose();
    }
  });

  it('discriminator features: fromrgb and every block; the last, finished by the epilogue, equals D.forward', async () => {
    const cfg = networkConfig({ resolution: 16, channelBase: 128, channelMax: 16, zDim: 8, wDim: 8, mappingLayers: 1, mbstdGroup: 2 }).discriminator;
    const D = Discriminator.fromWeights(rt, cfg, initDiscriminatorWeights(cfg, seed % 100));
    try {
      const rng = new SeededRandom(seed + 1);
      const images = rt.tensor(rng.normals(2 * 3 * 16 * 16, 0.5), [2, 3, 16, 16]);
      const maps = discriminatorSensor(D).features(images);
      expect(maps.map((m) => m.shape)).toEqual([[2, 8, 16, 16], [2, 16, 8, 8], [2, 16, 4, 4]]);
      const conv = (D as unknown as { conv: (n: string, x: Tensor, o: object) => Tensor }).conv.bind(D);
      let x = minibatchStd(maps[2], { groupSize: 2, numChannels: 1 });
      x = conv('b4.conv', x, { act: 'lrelu' });
      x = biasAct(linear(reshape(x, [2, -1]), D.params.get('b4.fc.weight')!, undefined, { equalized: true }), D.params.get('b4.fc.bias')!, { act: 'lrelu' });
      const logits = linear(x, D.params.get('b4.out.weight')!, D.params.get('b4.out.bias')!, { equalized: true });
      expect(relError(await logits.read(), await D.forward(images).read())).toBeLessThan(1e-5);
      expect(discriminatorSensor(D, { layers: [1] }).features(images).length).toBe(1);
      expect(() => discriminatorSensor(D, { layers: [3] })).toThrow(/layer 3 is not one of D's 3 feature maps/);
      expect(() => discriminatorSensor(D).features(rt.tensor(new Float32Array(3 * 8 * 8), [1, 3, 8, 8]))).toThrow(/images must be \[N, 3, 16, 16\], got \[1, 3, 8, 8\]/);
    } finally {
      D.dispose();
    }
  });

  it('pixel sensor: the image and its 2×2 average pools', async () => {
    const img = rt.tensor(Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
    const [a, b, c] = pixelSensor(3).features(img);
    expect(a).toBe(img);
    expect([...(await b.read())]).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect([...(await c.read())]).toEqual([7.5]);
    expect(() => pixelSensor(0)).toThrow(/levels must be a positive integer/);
  });
});

/**
 * A smoke run of the house StyleGAN2 trainer on the overparameterised generator: two iterations at 16 px with
 * per-channel latent jitter, finite losses, G's weights moved, and the synthesis restored afterwards; the jitter
 * is a function of (seed, the call's noise seed), not of how many calls came before; bad options are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { StyleGan2Trainer, networkConfig } from '@stylegpu/stylegan';
import { trainAsOverparam } from '../src/overparam/train-as-overparam.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe('trainAsOverparam (StyleGan2Trainer smoke run)', () => {
  it('trains two iterations through the overparameterised synthesis', async () => {
    const configs = networkConfig({ resolution: 16, channelBase: 128, channelMax: 8, mappingLayers: 2, zDim: 16, wDim: 16 });
    const trainer = StyleGan2Trainer.create(rt, configs, { batch: 2, gamma: 0.1, seed: 1, glr: 0.0025, dlr: 0.0025 });
    const ownSynthesis = trainer.G.synthesis;
    const restore = trainAsOverparam(trainer.G, { mode: 'channel', jitter: 0.5, seed: 3 });
    expect(trainer.G.synthesis).not.toBe(ownSynthesis);
    const before = (await trainer.G.params.get('synthesis.b8.conv0.weight')!.read()).slice();
    const reals = rt.tensor(Float32Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i / 7)), [2, 3, 16, 16]);
    for (let i = 0; i < 2; i++) {
      const s = await trainer.step(reals);
      console.log(`step ${s.step}: G ${s.lossG.toFixed(4)}, D ${s.lossD.toFixed(4)}${s.r1Penalty === null ? '' : `, R1 ${s.r1Penalty.toExponential(2)}`}`);
      expect(Number.isFinite(s.lossG) && Number.isFinite(s.lossD)).toBe(true);
    }
    const after = await trainer.G.params.get('synthesis.b8.conv0.weight')!.read();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    restore();
    expect(trainer.G.synthesis).toBe(ownSynthesis);
    reals.dispose();
    trainer.dispose();
  });

  it('draws the jitter from the call\'s noise seed (what a bit-exact resume needs), and refuses bad options', async () => {
    const configs = networkConfig({ resolution: 16, channelBase: 128, channelMax: 8, mappingLayers: 2, zDim: 16, wDim: 16 });
    const trainer = StyleGan2Trainer.create(rt, configs, { batch: 2, gamma: 0, seed: 1 });
    const G = trainer.G;
    // Images of one wrapper, one per noise seed in order.
    const images = async (noiseSeeds: number[], seed: number) => {
      const restore = trainAsOverparam(G, { mode: 'channel', jitter: 0.5, seed });
      const z = rt.tensor(Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)), [1, 16]);
      const out: Float32Array[] = [];
      for (const noiseSeed of noiseSeeds) {
        const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(z), { noiseMode: 'random', noiseSeed })));
        out.push((await img.read()).slice() as Float32Array);
        img.dispose();
      }
      z.dispose();
      restore();
      return out;
    };
    const [a, again, other] = await images([11, 11, 12], 3);
    expect(again, 'a later call with the same noise seed: the same draws').toEqual(a);
    expect(other).not.toEqual(a);
    expect((await images([11], 4))[0]).not.toEqual(a);
    expect(() => trainAsOverparam(G, { jitter: -1 })).toThrow('trainAsOverparam: jitter must be a finite number ≥ 0, got -1');
    expect(() => trainAsOverparam(G, { jitter: Number.NaN })).toThrow(/jitter must be a finite number ≥ 0, got NaN/);
    expect(() => trainAsOverparam(G, { mode: 'pixel' as 'channel' })).toThrow("trainAsOverparam: mode must be channel or spatial, got 'pixel'");
    trainer.dispose();
  });
});

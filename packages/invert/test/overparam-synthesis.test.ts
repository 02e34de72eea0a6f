/**
 * The overparameterised synthesis on the g16 fixture: with each layer's latent filled with that layer's w it
 * is G.synthesis (channel and spatial forms, const and no noise); per-channel latents change the image; its
 * gradients reach G's weights, and a few Adam steps on them lower a loss (the variant is trainable); latents
 * of the wrong shape are refused by name.
 */
import { relError } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, type Runtime, type Tensor, backward, concat, createRuntime, mean, slice, square, sub } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { OverparamSynthesis } from '../src/overparam/overparam-synthesis.js';

/** relError's scale: max |reference|, but never less than 1e-6. */
const SCALE_FLOOR = 1e-6;

const FIXTURE = new URL('../../stylegan/fixtures/g16_nvidia.pkl', import.meta.url).pathname;

let rt: Runtime;
let G: Generator;
beforeAll(async () => {
  rt = await createRuntime();
  G = await Generator.load(rt, FIXTURE);
});
afterAll(() => {
  G?.dispose();
  rt?.destroy();
});

const wsOf = (seeds: number[]) => {
  const { zDim } = G.config;
  const z = new Float32Array(seeds.length * zDim);
  seeds.forEach((s, i) => z.set(Float32Array.from(randomStateRandn(s, zDim)), i * zDim));
  return G.mapping(rt.tensor(z, [seeds.length, zDim]));
};

describe('OverparamSynthesis (g16 fixture)', () => {
  for (const mode of ['channel', 'spatial'] as const) {
    it(`${mode}: a latent filled with each layer's w gives G.synthesis (batch 2, W+ mixing, const and none noise)`, async () => {
      for (const noiseMode of ['const', 'none'] as const) {
        const [ref, got] = rt.noGrad(() =>
          rt.tidy(() => {
            // Style mixing makes the per-layer ws differ, so a wrong layer → w assignment shows.
            const a = wsOf([1, 2]);
            const b = wsOf([3, 4]);
            const mixed = mixAt(a, b, 3);
            const op = new OverparamSynthesis(G, mode);
            return [G.synthesis(mixed, { noiseMode }), op.synthesize(op.fromWs(mixed), { noiseMode })];
          }),
        );
        expect(relError(await got.read(), await ref.read(), SCALE_FLOOR), `${mode} ${noiseMode}`).toBeLessThan(2e-5);
        ref.dispose();
        got.dispose();
      }
    });
  }

  it('spatial maps capped at maxSpatialRes are upsampled (nearest): shapes, and equality with G.synthesis', async () => {
    const op = new OverparamSynthesis(G, 'spatial', 8);
    const b16 = G.layers.find((l) => l.name === 'b16.conv1')!;
    expect(op.latentShape(b16, 1)).toEqual([1, G.config.wDim, 8, 8]);
    const [ref, got] = rt.noGrad(() =>
      rt.tidy(() => {
        const ws = mixAt(wsOf([6]), wsOf([7]), 2);
        return [G.synthesis(ws), op.synthesize(op.fromWs(ws))];
      }),
    );
    expect(relError(await got.read(), await ref.read(), SCALE_FLOOR)).toBeLessThan(2e-5);
    ref.dispose();
    got.dispose();
    // A varying 8×8 map gives the styles of its nearest-upsampled 16×16 copy through the uncapped layer.
    const wDim = G.config.wDim;
    const small = Float32Array.from(randomStateRandn(4, wDim * 64));
    const big = new Float32Array(wDim * 256);
    for (let c = 0; c < wDim; c++) for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) big[(c * 16 + y) * 16 + x] = small[(c * 8 + (y >> 1)) * 8 + (x >> 1)];
    const [capped, full] = rt.noGrad(() =>
      rt.tidy(() => [op.styles(b16, rt.tensor(small, [1, wDim, 8, 8])), new OverparamSynthesis(G, 'spatial').styles(b16, rt.tensor(big, [1, wDim, 16, 16]))]),
    );
    expect(capped.shape).toEqual([1, b16.inChannels, 16, 16]);
    expect(relError(await capped.read(), await full.read(), SCALE_FLOOR)).toBeLessThan(2e-5);
    capped.dispose();
    full.dispose();
  });

  it('per-channel latents that differ change the image; gradients reach G and Adam on them lowers a loss', async () => {
    const op = new OverparamSynthesis(G, 'channel');
    G.setTrainable((n) => n.startsWith('synthesis.'));
    const params = G.parameters((n) => n.startsWith('synthesis.') && !n.endsWith('noise_const'));
    const opt = new Adam(params, { lr: 1e-2 });
    const latent = rt.noGrad(() =>
      rt.tidy(() => {
        const ws = wsOf([5]);
        const base = op.fromWs(ws);
        // Perturb one layer's rows independently: every channel gets its own w.
        const l = G.layers[2];
        const shape = op.latentShape(l, 1);
        const noise = Float32Array.from(randomStateRandn(9, shape.reduce((a, b) => a * b, 1)));
        base.set(l.name, sub(base.get(l.name)!, rt.tensor(noise, shape)));
        return [...base];
      }),
    );
    const byName = new Map(latent);
    const plain = rt.noGrad(() => rt.tidy(() => G.synthesis(wsOf([5]))));
    const target = rt.tensor(new Float32Array(3 * 16 * 16).fill(0.25), [1, 3, 16, 16]);
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      const loss = rt.tidy(() => {
        const img = op.synthesize(byName);
        const l = mean(square(sub(img, target)));
        backward(l);
        return step === 0 ? [l, rt.noGrad(() => mean(square(sub(img, plain))))] : [l];
      });
      const grad = G.params.get('synthesis.b8.conv0.weight')!.grad;
      expect(grad, 'G weights get a gradient').toBeDefined();
      const gradValues = await grad!.read();
      expect(Math.max(...gradValues.map(Math.abs)), 'the gradient is not all zero').toBeGreaterThan(0);
      if (loss[1]) {
        expect((await loss[1].read())[0], 'per-channel latents move the image').toBeGreaterThan(1e-4);
        loss[1].dispose();
      }
      losses.push((await loss[0].read())[0]);
      loss[0].dispose();
      opt.step();
      opt.zeroGrad();
    }
    console.log(`overparam synthesis, Adam on G's weights: loss ${losses.map((v) => v.toFixed(4)).join(' → ')}`);
    expect(losses[3]).toBeLessThan(losses[0]);
    G.setTrainable(() => false);
    opt.dispose();
    for (const [, t] of latent) t.dispose();
    plain.dispose();
    target.dispose();
  });

  it('refuses a latent of the wrong shape, naming the layer and shapes', () => {
    const op = new OverparamSynthesis(G, 'channel');
    const lat = rt.noGrad(() => rt.tidy(() => [...op.fromWs(wsOf([1]))]));
    const m = new Map(lat);
    const bad = rt.tensor(new Float32Array(8 * 5), [1, 8, 5]);
    m.set(G.layers[1].name, bad);
    expect(() => rt.tidy(() => op.synthesize(m))).toThrow(new RegExp(`latent ${G.layers[1].name.replace('.', '\\.')} must be \\[1, 3, ${G.config.wDim}\\], got \\[1, 8, 5\\]`));
    bad.dispose();
    for (const [, t] of lat) t.dispose();
  });
});

function mixAt(a: Tensor, b: Tensor, cutoff: number): Tensor {
  const n = a.shape[1];
  return concat([slice(a, [null, [0, cutoff]]), slice(b, [null, [cutoff, n]])], 1);
}

/**
 * The GPU generator against outputs of the independent PyTorch reference
 * (`reference/stylegan2_ref.py`, fixtures from `fixtures/make_fixtures.py`; see fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, toFloat32 } from '@stylegpu/io';
import { type Runtime, backward, createRuntime, mul, sum } from '@stylegpu/kernels';
import { relError } from '@stylegpu/kernels/testing';
import { Generator } from '../src/model/generator.js';
import { loadStyleGanCheckpoint } from '../src/checkpoint/load.js';
import { randomStateRandn } from '../src/numpy-random.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const manifest = JSON.parse(readFileSync(join(fixtures, 'expected', 'manifest.json'), 'utf8'));
const expected = readSafetensors(readFileSync(join(fixtures, 'expected', 'g16.safetensors'))).tensors;
const exp = (k: string): Float32Array => {
  const t = expected.get(k);
  if (!t) throw new Error(`fixture has no ${k}`);
  return toFloat32(t);
};

let rt: Runtime;
let G: Generator;
beforeAll(async () => {
  rt = await createRuntime();
  G = await Generator.load(rt, join(fixtures, 'g16_nvidia.pkl'));
});
afterAll(() => {
  G?.dispose();
  rt?.destroy();
});

const TOL = 1e-5; // float32 vs the float64-checked reference, relative to the output's scale

describe('StyleGAN2 generator vs the PyTorch reference (g16, NVIDIA pickle)', () => {
  it('z for seed s is NumPy RandomState(s).randn(1, z_dim)', () => {
    for (const seed of manifest.seeds as number[]) {
      const z = randomStateRandn(seed, G.config.zDim);
      expect(relError(Float32Array.from(z), exp(`seed${seed}.z`))).toBeLessThan(1e-7);
    }
  });

  for (const seed of [0, 1, 2]) {
    it(`seed ${seed}: ws at ψ = 1, 0.7, and 0.7 with cutoff 4`, async () => {
      const z = rt.tensor(exp(`seed${seed}.z`), [1, G.config.zDim]);
      for (const [key, opts] of [
        ['psi1', {}],
        ['psi0.7', { truncationPsi: 0.7 }],
        ['psi0.7.cutoff4', { truncationPsi: 0.7, truncationCutoff: 4 }],
      ] as const) {
        const ws = await rt.tidy(() => G.mapping(z, opts)).read();
        expect(relError(ws, exp(`seed${seed}.ws.${key}`)), key).toBeLessThan(TOL);
      }
      z.dispose();
    });
  }

  it('StyleSpace and images for noise const and none, ψ 1 and 0.7', async () => {
    await rt.tidyAsync(async () => {
      const ws1 = rt.tensor(exp('seed0.ws.psi1'), [1, G.numWs, G.config.wDim]);
      const styles = G.styles(ws1);
      for (const [name, s] of styles) {
        // Our S is the affine output itself (rosinality's `modulation`, what StyleDomain edits); the
        // reference stores NVIDIA's ToRGB styles, already multiplied by the weight gain 1/√C_in.
        const gain = name.endsWith('torgb') ? 1 / Math.sqrt(s.shape[1]) : 1;
        expect(relError((await s.read()).map((v) => v * gain), exp(`seed0.styles.${name}`)), name).toBeLessThan(TOL);
      }
      expect(relError(await G.synthesis(ws1, { noiseMode: 'const' }).read(), exp('seed0.img.psi1.const'))).toBeLessThan(TOL);
      expect(relError(await G.synthesis(ws1, { noiseMode: 'none' }).read(), exp('seed0.img.psi1.none'))).toBeLessThan(TOL);
      const ws7 = rt.tensor(exp('seed0.ws.psi0.7'), [1, G.numWs, G.config.wDim]);
      expect(relError(await G.synthesis(ws7).read(), exp('seed0.img.psi0.7.const'))).toBeLessThan(TOL);
      for (const seed of [1, 2]) {
        const img = G.forward(rt.tensor(exp(`seed${seed}.z`), [1, G.config.zDim]), { noiseMode: 'const' });
        expect(relError(await img.read(), exp(`seed${seed}.img.psi1.const`)), `seed ${seed}`).toBeLessThan(TOL);
      }
    });
  });

  it('gradient of Σ image·weights with respect to ws', async () => {
    await rt.tidyAsync(async () => {
      const ws = rt.tensor(exp('seed0.ws.psi1'), [1, G.numWs, G.config.wDim]);
      ws.requiresGrad = true;
      const loss = sum(mul(G.synthesis(ws, { noiseMode: 'const' }), rt.tensor(exp('grad.image_weights'), [1, 3, 16, 16])));
      expect(relError([await loss.item()], exp('grad.loss'))).toBeLessThan(TOL);
      backward(loss);
      expect(relError(await ws.grad!.read(), exp('grad.seed0.ws.psi1.const'))).toBeLessThan(1e-4);
    });
  });

  it('with the kernel shapes GPUs choose (tiled matmul, conv2d, modulatedConv2d): image and ws gradient', async () => {
    rt.variants = { matmul: 'tiled', conv2d: 'tiled', modulatedConv2d: 'tiled' };
    try {
      await rt.tidyAsync(async () => {
        const ws = rt.tensor(exp('seed0.ws.psi1'), [1, G.numWs, G.config.wDim]);
        ws.requiresGrad = true;
        const img = G.synthesis(ws, { noiseMode: 'const' });
        expect(relError(await img.read(), exp('seed0.img.psi1.const'))).toBeLessThan(TOL);
        const loss = sum(mul(img, rt.tensor(exp('grad.image_weights'), [1, 3, 16, 16])));
        backward(loss);
        expect(relError(await ws.grad!.read(), exp('grad.seed0.ws.psi1.const'))).toBeLessThan(1e-4);
      });
    } finally {
      rt.variants = {};
    }
  });

  it('splits batches and up-conv channels that would exceed the binding limit, with identical results', async () => {
    await rt.tidyAsync(async () => {
      const z = rt.tensor(Float32Array.from([0, 1, 2].flatMap((s) => Array.from(exp(`seed${s}.z`)))), [3, G.config.zDim]);
      const ws = G.mapping(z);
      ws.requiresGrad = true;
      const weights = rt.tensor(Float32Array.from({ length: 3 * 3 * 16 * 16 }, (_, i) => Math.sin(i)), [3, 3, 16, 16]);
      let dispatches = 0;
      const dispatch = rt.dispatch.bind(rt);
      rt.dispatch = (k, a) => {
        dispatches++;
        dispatch(k, a);
      };
      const counts: number[] = [];
      const run = async (limit: number) => {
        G.maxBindingBytes = limit;
        dispatches = 0;
        const out = [];
        for (const noiseMode of ['const', 'random'] as const) {
          const img = G.synthesis(ws, { noiseMode, noiseSeed: 7 });
          out.push(await img.read());
          if (noiseMode === 'const') {
            backward(sum(mul(img, weights)));
            out.push(await ws.grad!.read());
            ws.grad!.dispose();
            ws.grad = null;
          }
        }
        counts.push(dispatches);
        return out;
      };
      try {
        const whole = await run(rt.gpu.limits.maxStorageBufferBindingSize);
        // 8 channels × 16² × 4 bytes: one sample per part, and the 17² up-conv intermediate split over channels.
        const split = await run(8 * 16 * 16 * 4);
        for (let i = 0; i < whole.length; i++) expect(relError(split[i], whole[i]), `output ${i}`).toBeLessThan(1e-6);
        // And the split run still matches the reference images.
        for (const s of [0, 1, 2]) expect(relError(split[0].subarray(s * 768, (s + 1) * 768), exp(`seed${s}.img.psi1.const`))).toBeLessThan(TOL);
        // The split run really ran in parts (more, smaller dispatches).
        expect(counts[1]).toBeGreaterThan(2 * counts[0]);
      } finally {
        G.maxBindingBytes = rt.gpu.limits.maxStorageBufferBindingSize;
        rt.dispatch = dispatch;
      }
    });
  });

  it('gives the same image from the rosinality layout of the same weights', async () => {
    const R = await Generator.load(rt, join(fixtures, 'g16_rosinality.pt'));
    try {
      const img = await rt.tidy(() => R.synthesis(rt.tensor(exp('seed0.ws.psi1'), [1, R.numWs, R.config.wDim]), { noiseMode: 'const' })).read();
      expect(relError(img, exp('seed0.img.psi1.const'))).toBeLessThan(TOL);
    } finally {
      R.dispose();
    }
  });

  it('refuses weights of the wrong shape or with missing keys, naming them', async () => {
    const ckpt = await loadStyleGanCheckpoint(join(fixtures, 'g16_nvidia.pkl'));
    const config = ckpt.config.generator;
    const missing = new Map(ckpt.generator);
    missing.delete('synthesis.b8.conv1.affine.bias');
    expect(() => Generator.fromWeights(rt, config, missing)).toThrow(/missing weights: synthesis\.b8\.conv1\.affine\.bias/);
    const extra = new Map(ckpt.generator);
    extra.set('synthesis.b8.conv2.weight', ckpt.generator.get('synthesis.b8.conv1.weight')!);
    expect(() => Generator.fromWeights(rt, config, extra)).toThrow(/unexpected weights: synthesis\.b8\.conv2\.weight/);
    const wrong = { ...config, wDim: 16 };
    expect(() => Generator.fromWeights(rt, wrong, ckpt.generator)).toThrow(/shape/);
  });
});

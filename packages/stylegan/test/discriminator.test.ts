/**
 * The GPU discriminator against the independent PyTorch reference (`reference/stylegan2_ref.py`,
 * fixtures from `fixtures/make_fixtures.py`; see fixtures/README.md): logits on the generator's
 * fixture images as a batch of 1 (minibatch-std group of 1) and of 3 (one group of min(4, 3) = 3),
 * and the float64 reference's gradients of Σ logits with respect to the images and every parameter,
 * for the g16 weights from the NVIDIA pickle and the rosinality .pt, and the g32 rosinality weights
 * (other channel table, no conv_clamp). Then bad inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HostTensor, readSafetensors, toFloat32 } from '@stylegpu/io';
import { relError } from '@stylegpu/kernels/testing';
import {
  type Runtime,
  type Tensor,
  backward,
  concat,
  createRuntime,
  sum,
  zeroGrad,
} from '@stylegpu/kernels';
import { Discriminator } from '../src/model/discriminator.js';
import { loadStyleGanCheckpoint } from '../src/checkpoint/load.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

function expectedArrays(name: string): (key: string) => Float32Array {
  const tensors = readSafetensors(readFileSync(join(fixtures, 'expected', `${name}.safetensors`))).tensors;
  return (key) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`fixture ${name} has no ${key}`);
    return toFloat32(t);
  };
}
const EXPECTED = { g16: expectedArrays('g16'), g32: expectedArrays('g32') };

/** Float32 agreement (relError: max |a − b| relative to max |b|), against a reference that is not all zeros. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(Math.max(...Array.from(b, Math.abs))).toBeGreaterThan(0);
  return relError(a, b);
}

/** Logits: float32 vs the float64 reference, relative to their scale. */
const TOL = 1e-5;
/** Gradients go through twice the layers (forward and backward), and lrelu's kink. */
const GRAD_TOL = 2e-5;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

const CASES = [
  { label: 'g16, NVIDIA pickle', file: 'g16_nvidia.pkl', fixture: 'g16', res: 16 },
  { label: 'g16, rosinality .pt', file: 'g16_rosinality.pt', fixture: 'g16', res: 16 },
  { label: 'g32, rosinality .pt', file: 'g32_rosinality.pt', fixture: 'g32', res: 32 },
] as const;

for (const c of CASES) {
  describe(`StyleGAN2 discriminator vs the PyTorch reference (${c.label})`, () => {
    const exp = EXPECTED[c.fixture];
    let D: Discriminator;
    beforeAll(async () => {
      D = await Discriminator.load(rt, join(fixtures, c.file));
    });
    afterAll(() => D?.dispose());

    const image = (seed: number): Tensor => rt.tensor(exp(`seed${seed}.img.psi1.const`), [1, 3, c.res, c.res]);
    const batch3 = (): Tensor => concat([image(0), image(1), image(2)], 0);

    it('has the checkpoint\'s architecture', () => {
      expect(D.blockResolutions).toEqual(c.res === 16 ? [16, 8] : [32, 16, 8]);
      expect(D.config.mbstdGroupSize).toBe(4);
      expect(D.config.mbstdNumChannels).toBe(1);
    });

    it('logits of seed 0 alone (group of 1) and of seeds 0–2 as one batch (group of 3)', async () => {
      const one = await rt.tidy(() => D.forward(image(0))).read();
      expect(relErr(one, exp('d.seed0.logits'))).toBeLessThan(TOL);
      const three = await rt.tidy(() => D.forward(batch3())).read();
      expect(relErr(three, exp('d.batch3.logits'))).toBeLessThan(TOL);
      // The group statistic couples the batch: seed 0's logit differs between the two runs.
      expect(Math.abs(three[0] - one[0])).toBeGreaterThan(1e-3);
    });

    it('logits and d Σ logits / d image with the kernel shapes GPUs choose (tiled conv2d and matmul), batch of 3', async () => {
      rt.variants = { conv2d: 'tiled', matmul: 'tiled' };
      try {
        await rt.tidyAsync(async () => {
          const img = batch3();
          img.requiresGrad = true;
          const logits = D.forward(img);
          expect(relErr(await logits.read(), exp('d.batch3.logits'))).toBeLessThan(TOL);
          backward(sum(logits));
          expect(relErr(await img.grad!.read(), exp('d.batch3.grad.img'))).toBeLessThan(GRAD_TOL);
          img.dispose();
        });
      } finally {
        rt.variants = {};
      }
    });

    it('d Σ logits / d image, batch of 1 and of 3', async () => {
      for (const [key, make] of [['d.seed0', () => image(0)], ['d.batch3', batch3]] as const) {
        await rt.tidyAsync(async () => {
          const img = make();
          img.requiresGrad = true;
          backward(sum(D.forward(img)));
          expect(relErr(await img.grad!.read(), exp(`${key}.grad.img`)), key).toBeLessThan(GRAD_TOL);
          img.dispose();
        });
      }
    });

    it('d Σ logits / d every parameter (batch of 3), only for trainable ones', async () => {
      const names = [...D.params.keys()];
      try {
        D.setTrainable(() => true);
        await rt.tidyAsync(async () => {
          backward(sum(D.forward(batch3())));
          for (const name of names) {
            const g = D.params.get(name)!.grad;
            expect(g, name).not.toBeNull();
            expect(relErr(await g!.read(), exp(`d.batch3.grad.${name}`)), name).toBeLessThan(GRAD_TOL);
          }
        });
        zeroGrad(D.parameters());
        // Only the epilogue trains: the blocks get no gradient, the epilogue the same as before.
        D.setTrainable((n) => n.startsWith('b4.'));
        await rt.tidyAsync(async () => {
          backward(sum(D.forward(batch3())));
          for (const name of names) {
            const g = D.params.get(name)!.grad;
            if (!name.startsWith('b4.')) expect(g, name).toBeNull();
            else expect(relErr(await g!.read(), exp(`d.batch3.grad.${name}`)), name).toBeLessThan(GRAD_TOL);
          }
        });
      } finally {
        zeroGrad(D.parameters());
        D.setTrainable(() => false);
      }
    });
  });
}

describe('StyleGAN2 discriminator: bad input', () => {
  let D: Discriminator;
  beforeAll(async () => {
    D = await Discriminator.load(rt, join(fixtures, 'g16_nvidia.pkl'));
  });
  afterAll(() => D?.dispose());

  it('refuses images of the wrong size, channels, rank or batch before dispatching anything', () => {
    const dispatch = vi.spyOn(rt, 'dispatch');
    try {
      for (const [shape, message] of [
        [[1, 3, 32, 32], /Discriminator: image must be \[N, 3, 16, 16\], got \[1, 3, 32, 32\]/],
        [[2, 3, 16, 8], /Discriminator: image must be \[N, 3, 16, 16\], got \[2, 3, 16, 8\]/],
        [[1, 4, 16, 16], /Discriminator: image must be \[N, 3, 16, 16\], got \[1, 4, 16, 16\]/],
        [[1, 1, 16, 16], /got \[1, 1, 16, 16\]/],
        [[3, 16, 16], /Discriminator: image must be \[N, 3, 16, 16\], got \[3, 16, 16\]/],
        // 6 images do not split into minibatch-std groups of min(4, 6) = 4.
        [[6, 3, 16, 16], /Discriminator: batch 6 is not a multiple of the minibatch-std group min\(4, 6\) = 4/],
      ] as const) {
        const img = rt.empty(shape);
        dispatch.mockClear();
        expect(() => D.forward(img)).toThrow(message);
        expect(dispatch).not.toHaveBeenCalled();
        img.dispose();
      }
    } finally {
      dispatch.mockRestore();
    }
  });

  it('refuses missing, extra or misshapen weights and a checkpoint without a discriminator, naming them', async () => {
    const ckpt = await loadStyleGanCheckpoint(join(fixtures, 'g16_nvidia.pkl'));
    const config = ckpt.config.discriminator!;
    const weights = ckpt.discriminator!;
    const missing = new Map(weights);
    missing.delete('b8.skip.weight');
    expect(() => Discriminator.fromWeights(rt, config, missing)).toThrow(/Discriminator: missing weights: b8\.skip\.weight/);
    const extra = new Map<string, HostTensor>(weights);
    extra.set('b8.skip.bias', weights.get('b8.conv0.bias')!);
    expect(() => Discriminator.fromWeights(rt, config, extra)).toThrow(/Discriminator: unexpected weights: b8\.skip\.bias/);
    const wrong = { ...config, mbstdNumChannels: 2 };
    expect(() => Discriminator.fromWeights(rt, wrong, weights)).toThrow(/Discriminator: b4\.conv\.weight has shape \[8, 9, 3, 3\], expected \[8, 10, 3, 3\]/);
    const live = rt.liveTensors;
    const noD = { ...ckpt, config: { ...ckpt.config, discriminator: undefined }, discriminator: undefined };
    await expect(Discriminator.load(rt, noD)).rejects.toThrow(/Discriminator: this checkpoint has no discriminator/);
    expect(rt.liveTensors).toBe(live);
  });
});

/**
 * R1 on the GPU against PyTorch's double backward: `r1Penalty` of the fixture discriminators (g16
 * from the NVIDIA pickle, batch 4 = one minibatch-std group of 4; g32 from the rosinality .pt, batch
 * 2) and the gradient of the penalties' mean with respect to every parameter of D, against the
 * float64 reference (`fixtures/make_r1_fixture.py`: torch.autograd.grad with create_graph, then
 * backward — expected/r1.safetensors). Then the refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, toFloat32 } from '@stylegpu/io';
import { type Runtime, type Tensor, backward, createRuntime, mean, zeroGrad } from '@stylegpu/kernels';
import { relError } from '@stylegpu/kernels/testing';
import { Discriminator } from '../src/model/discriminator.js';
import { r1Penalty } from '../src/train/r1.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const expected = readSafetensors(readFileSync(join(fixtures, 'expected', 'r1.safetensors'))).tensors;
function fixture(key: string): { data: Float32Array; shape: number[] } {
  const t = expected.get(key);
  if (!t) throw new Error(`r1.safetensors has no ${key}`);
  return { data: toFloat32(t), shape: [...t.shape] };
}

/** Weight gradients: a second-order pass through every layer in f32 (reference float64). */
const GRAD_TOL = 1e-3;
/** The penalties are first-order gradients (as the discriminator test's 2e-5), squared and summed. */
const PENALTY_TOL = 1e-4;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

for (const c of [
  { net: 'g16', file: 'g16_nvidia.pkl', label: 'g16 (NVIDIA pickle), batch 4' },
  { net: 'g32', file: 'g32_rosinality.pt', label: 'g32 (rosinality .pt, no clamp), batch 2' },
] as const) {
  describe(`r1Penalty vs PyTorch's double backward: ${c.label}`, () => {
    let D: Discriminator;
    beforeAll(async () => {
      D = await Discriminator.load(rt, join(fixtures, c.file));
    });
    afterAll(() => D?.dispose());

    const run = async (variants: Record<string, string>) => {
      rt.variants = variants;
      D.setTrainable(() => true);
      try {
        const reals = fixture(`${c.net}.reals`);
        const penalty = rt.tidy(() => {
          const p = r1Penalty(D, rt.tensor(reals.data, reals.shape));
          backward(mean(p));
          return p;
        });
        expect(penalty.shape).toEqual([reals.shape[0]]);
        const pe = relError(await penalty.read(), fixture(`${c.net}.penalty`).data);
        expect(pe, `penalties: relative error ${pe.toExponential(2)}`).toBeLessThanOrEqual(PENALTY_TOL);
        penalty.dispose();
        let checked = 0;
        let worst = 0;
        for (const [name, p] of D.params) {
          const ref = fixture(`${c.net}.grad.${name}`).data;
          const refMax = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          if (refMax === 0) {
            // The output biases: they only move lrelu kinks after the minibatch std (no gradient almost everywhere).
            const got = p.grad ? await p.grad.read() : new Float32Array(ref.length);
            expect(got.every((v) => v === 0), `${name}: the reference gradient is zero`).toBe(true);
            continue;
          }
          expect(p.grad, `${name} got no gradient`).not.toBeNull();
          const e = relError(await p.grad!.read(), ref);
          expect(e, `${name}: relative error ${e.toExponential(2)} over ${GRAD_TOL}`).toBeLessThanOrEqual(GRAD_TOL);
          checked++;
          worst = Math.max(worst, e);
        }
        expect(checked).toBeGreaterThan(10);
        console.info(`${c.label}: penalties ${pe.toExponential(2)}, worst parameter gradient ${worst.toExponential(2)} (relative)`);
      } finally {
        zeroGrad(D.parameters());
        D.setTrainable(() => false);
        rt.variants = {};
      }
    };

    it('penalties and d mean(penalty) / d every parameter', async () => {
      await run({});
    });

    it('the same with the kernel shapes GPUs choose (tiled conv2d and matmul)', async () => {
      await run({ conv2d: 'tiled', matmul: 'tiled' });
    });
  });
}

describe('r1Penalty refusals', () => {
  it('refuses labels, images that are not [N, C, H, W], and a call under noGrad', async () => {
    const D = await Discriminator.load(rt, join(fixtures, 'g16_nvidia.pkl'));
    try {
      rt.tidy(() => {
        const reals = rt.tensor(new Float32Array(2 * 3 * 16 * 16), [2, 3, 16, 16]);
        expect(() => r1Penalty(D, reals, rt.tensor(new Float32Array(2 * 5), [2, 5]))).toThrow(/r1Penalty: the discriminator is unconditional/);
        expect(() => r1Penalty(D, rt.tensor(new Float32Array(3 * 16 * 16), [3, 16, 16]))).toThrow(/r1Penalty: reals must be \[N, C, H, W\]/);
        expect(() => rt.noGrad(() => r1Penalty(D, reals))).toThrow(/r1Penalty: called under noGrad/);
        // A label tensor with no columns is an unconditional call.
        const p: Tensor = r1Penalty(D, reals, rt.tensor(new Float32Array(0), [2, 0]));
        expect(p.shape).toEqual([2]);
      });
    } finally {
      D.dispose();
    }
  });
});

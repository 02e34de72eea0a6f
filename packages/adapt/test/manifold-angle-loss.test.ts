import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { manifoldAngleLoss } from '../src/index.js';
import { manifoldRef, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('manifoldAngleLoss', () => {
  const D = 10;
  for (const B of [1, 3]) {
    it(`B=${B}: forward and backward`, async () => {
      const rng = makeRng();
      await checkOp({
        label: `manifold B=${B}`,
        inputs: [
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [1, D], data: randn(rng, D) },
          { shape: [1, D], data: randn(rng, D) },
        ],
        shape: [],
        gpu: (_rt, [s, t, cs, ct]) => manifoldAngleLoss(s, t, cs, ct),
        ref: ([s, t, cs, ct]) => Float64Array.of(manifoldRef(rows(s, B, D), rows(t, B, D), cs, ct)),
      });
    });
  }

  it('rejects bad shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const img = rt.tensor(new Float32Array(2 * D), [2, D]);
      const cls = rt.tensor(new Float32Array(D), [1, D]);
      const two = rt.tensor(new Float32Array(2 * D), [2, D]);
      const img3 = rt.tensor(new Float32Array(3 * D), [3, D]);
      const live = rt.liveTensors;
      expect(() => manifoldAngleLoss(img, img, two, cls)).toThrow(/manifoldAngleLoss: class embeddings must be \[1, 10\].*sourceClass \[2, 10\]/);
      expect(() => manifoldAngleLoss(img, img3, cls, cls)).toThrow(/manifoldAngleLoss: .*same shape.*targetImage \[3, 10\]/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { imageDirection } from '../src/index.js';
import { imageDirectionRef, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('imageDirection', () => {
  const D = 9;
  for (const [Ns, Nt] of [
    [1, 1],
    [5, 3],
  ] as const) {
    it(`${Ns} generated, ${Nt} target embeddings: forward and backward`, async () => {
      const rng = makeRng();
      await checkOp({
        label: `imageDirection ${Ns}/${Nt}`,
        inputs: [
          { shape: [Ns, D], data: randn(rng, Ns * D) },
          { shape: [Nt, D], data: randn(rng, Nt * D) },
        ],
        shape: [1, D],
        gpu: (_rt, [s, t]) => imageDirection(s, t),
        ref: ([s, t]) => imageDirectionRef(rows(s, Ns, D), rows(t, Nt, D)),
      });
    });
  }

  it('rejects mismatched widths before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const a = rt.tensor(new Float32Array(2 * D), [2, D]);
      const b = rt.tensor(new Float32Array(8), [1, 8]);
      const live = rt.liveTensors;
      expect(() => imageDirection(a, b)).toThrow(/imageDirection: .*same width.*source \[2, 9\], target \[1, 8\]/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

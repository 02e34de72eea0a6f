import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { globalClipLoss, globalClipText } from '../src/index.js';
import { globalRef, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('globalClipLoss', () => {
  const D = 7;
  for (const [B, T, scale] of [
    [1, 1, 100],
    [3, 2, 100],
    [2, 1, 42.5],
  ] as const) {
    it(`B=${B}, T=${T}, logitScale ${scale}: forward and backward`, async () => {
      const rng = makeRng();
      await checkOp({
        label: `global B=${B} T=${T} s=${scale}`,
        inputs: [
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [T, D], data: randn(rng, T * D) },
        ],
        shape: [],
        gpu: (_rt, [i, t]) => globalClipLoss(i, t, { logitScale: scale }),
        ref: ([i, t]) => Float64Array.of(globalRef(rows(i, B, D), rows(t, T, D), scale)),
      });
    });
  }

  it('uses the official "a {target}" text', () => {
    expect(globalClipText('Zombie')).toBe('a Zombie');
  });

  it('rejects bad inputs before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const img = rt.tensor(new Float32Array(2 * D), [2, D]);
      const txt = rt.tensor(new Float32Array(6), [1, 6]);
      const live = rt.liveTensors;
      expect(() => globalClipLoss(img, txt)).toThrow(/globalClipLoss: .*same width.*image \[2, 7\], text \[1, 6\]/);
      expect(() => globalClipLoss(img, img, { logitScale: 0 })).toThrow(/globalClipLoss: logitScale must be a positive number, got 0/);
      expect(() => globalClipLoss(img, img, { logitScale: NaN })).toThrow(/globalClipLoss: logitScale/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

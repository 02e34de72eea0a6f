import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { directionalClipLoss, imageDirectionIsZero } from '../src/index.js';
import { directionalRef, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('directionalClipLoss', () => {
  const D = 9;
  for (const [B, dirRows] of [
    [1, 1],
    [3, 1],
    [2, 2],
  ] as const) {
    it(`B=${B}, text direction [${dirRows}, ${D}]: forward and backward`, async () => {
      const rng = makeRng();
      await checkOp({
        label: `directional B=${B} dir=${dirRows}`,
        inputs: [
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [dirRows, D], data: randn(rng, dirRows * D) },
        ],
        shape: [],
        gpu: (_rt, [s, t, d]) => directionalClipLoss(s, t, d),
        ref: ([s, t, d]) => Float64Array.of(directionalRef(rows(s, B, D), rows(t, B, D), rows(d, dirRows, D))),
      });
    });
  }

  it('identical images: falls back to the nudged target embeddings, on the GPU', async () => {
    const rng = makeRng();
    const B = 2;
    const src = randn(rng, B * D);
    await checkOp({
      label: 'directional zero direction + nudge',
      inputs: [
        { shape: [B, D], data: src, grad: false },
        { shape: [B, D], data: Float64Array.from(src), grad: false },
        { shape: [1, D], data: randn(rng, D), grad: false },
        { shape: [B, D], data: Float64Array.from(src, (v, i) => v + 0.05 * Math.sin(i)) },
      ],
      shape: [],
      gpu: (_rt, [s, t, d, n]) => directionalClipLoss(s, t, d, { nudgedTarget: n }),
      ref: ([s, t, d, n]) => Float64Array.of(directionalRef(rows(s, B, D), rows(t, B, D), rows(d, 1, D), rows(n, B, D))),
    });
  });

  it('a non-zero direction ignores the nudged embeddings', async () => {
    const rng = makeRng();
    const B = 2;
    await checkOp({
      label: 'directional nonzero + nudge',
      inputs: [
        { shape: [B, D], data: randn(rng, B * D) },
        { shape: [B, D], data: randn(rng, B * D) },
        { shape: [1, D], data: randn(rng, D) },
        { shape: [B, D], data: randn(rng, B * D), grad: false },
      ],
      shape: [],
      gpu: (_rt, [s, t, d, n]) => directionalClipLoss(s, t, d, { nudgedTarget: n }),
      ref: ([s, t, d]) => Float64Array.of(directionalRef(rows(s, B, D), rows(t, B, D), rows(d, 1, D))),
    });
  });

  it('imageDirectionIsZero tells identical embeddings apart; without a nudge a zero direction gives loss 1', async () => {
    const rt = await testRuntime();
    await rt.tidyAsync(async () => {
      const a = rt.tensor([1, 2, 3, -1, 0.5, 2], [2, 3]);
      const b = rt.tensor([1, 2, 3, -1, 0.5, 2.001], [2, 3]);
      expect(await imageDirectionIsZero(a, a)).toBe(true);
      expect(await imageDirectionIsZero(a, b)).toBe(false);
      expect(await directionalClipLoss(a, a, rt.tensor([1, 0, 0], [1, 3])).item()).toBeCloseTo(1, 6);
    });
  });

  it('rejects bad shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const a = rt.tensor(new Float32Array(2 * D), [2, D]);
      const a3 = rt.tensor(new Float32Array(3 * D), [3, D]);
      const dir = rt.tensor(new Float32Array(D), [1, D]);
      const dir3 = rt.tensor(new Float32Array(3 * D), [3, D]);
      const narrow = rt.tensor(new Float32Array(8), [1, 8]);
      const vec = rt.tensor(new Float32Array(D), [D]);
      const live = rt.liveTensors;
      expect(() => directionalClipLoss(a, a3, dir)).toThrow(/directionalClipLoss: .*same shape.*source \[2, 9\], target \[3, 9\]/);
      expect(() => directionalClipLoss(a, a, narrow)).toThrow(/directionalClipLoss: the text direction must be \[1, 9\] or \[2, 9\].*textDirection \[1, 8\]/);
      expect(() => directionalClipLoss(a, a, dir3)).toThrow(/directionalClipLoss: the text direction.*\[3, 9\]/);
      expect(() => directionalClipLoss(vec, a, dir)).toThrow(/directionalClipLoss: source image embeddings must be .*\[9\]/);
      expect(() => directionalClipLoss(a, a, dir, { nudgedTarget: a3 })).toThrow(/directionalClipLoss: nudgedTarget .*nudgedTarget \[3, 9\]/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

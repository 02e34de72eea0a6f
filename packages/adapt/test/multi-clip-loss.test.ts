import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { globalClipLoss, multiClipLoss } from '../src/index.js';
import { globalRef, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('multiClipLoss', () => {
  it('weighted sum of two models: forward and backward', async () => {
    const rng = makeRng();
    const [B, Da, Db] = [2, 5, 7];
    await checkOp({
      label: 'multi',
      inputs: [
        { shape: [B, Da], data: randn(rng, B * Da) },
        { shape: [1, Da], data: randn(rng, Da) },
        { shape: [B, Db], data: randn(rng, B * Db) },
        { shape: [1, Db], data: randn(rng, Db) },
      ],
      shape: [],
      gpu: (_rt, [ia, ta, ib, tb]) =>
        multiClipLoss([
          { weight: 1, loss: () => globalClipLoss(ia, ta) },
          { weight: 0.35, loss: () => globalClipLoss(ib, tb) },
          {
            weight: 0,
            loss: () => {
              throw new Error('a zero-weight model must not be evaluated');
            },
          },
        ]),
      ref: ([ia, ta, ib, tb]) => Float64Array.of(globalRef(rows(ia, B, Da), rows(ta, 1, Da)) + 0.35 * globalRef(rows(ib, B, Db), rows(tb, 1, Db))),
    });
  });

  it('rejects bad terms', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const v = rt.tensor([1, 2], [2]);
      const s = rt.tensor([1], [1]);
      expect(() => multiClipLoss([])).toThrow(/multiClipLoss: needs at least one/);
      expect(() => multiClipLoss([{ weight: -1, loss: () => s }])).toThrow(/multiClipLoss: term 0 has weight -1/);
      expect(() => multiClipLoss([{ weight: NaN, loss: () => s }])).toThrow(/multiClipLoss: term 0 has weight NaN/);
      expect(() => multiClipLoss([{ weight: 0, loss: () => s }])).toThrow(/multiClipLoss: every weight is 0/);
      expect(() => multiClipLoss([{ weight: 1, loss: () => v }])).toThrow(/multiClipLoss: term 0's loss must be a one-element tensor, got \[2\]/);
    });
  });
});

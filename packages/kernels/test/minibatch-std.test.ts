import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { minibatchStdStepwiseRef } from './reference/minibatch-std.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const cases: Array<{ shape: number[]; groupSize?: number | null; numChannels?: number }> = [
  { shape: [4, 5, 4, 4] }, // defaults: group 4, one channel
  { shape: [3, 5, 4, 5], groupSize: 4 }, // G = min(4, N) = 3
  { shape: [6, 6, 3, 5], groupSize: 2, numChannels: 2 }, // 3 groups, samples interleaved (n = g·3 + j)
  { shape: [6, 3, 5, 4], groupSize: 3, numChannels: 3 },
  { shape: [4, 8, 3, 3], groupSize: null, numChannels: 4 }, // whole batch
  { shape: [1, 13, 4, 4], groupSize: 4 }, // a group of one: σ = sqrt(1e-8), zero gradient through it
];

describe('minibatchStd', () => {
  for (const c of cases) {
    const label = `x [${c.shape.join(', ')}], groupSize ${c.groupSize === undefined ? 'default' : c.groupSize}, numChannels ${c.numChannels ?? 'default'}`;
    it(label, async () => {
      const [N, C, H, W] = c.shape;
      const F = c.numChannels ?? 1;
      await checkOp({
        label,
        inputs: [{ shape: c.shape, data: randn(rng, N * C * H * W) }],
        shape: [N, C + F, H, W],
        gpu: (_rt, [x]) => K.minibatchStd(x, { groupSize: c.groupSize, numChannels: c.numChannels }),
        ref: ([x]) => minibatchStdStepwiseRef(x, c.shape, c.groupSize === undefined ? 4 : c.groupSize, F),
      });
    });
  }

  it('rejects bad input before dispatching, naming the op and the shapes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      expect(() => K.minibatchStd(K.zeros(rt, [6, 4, 2, 2]), { groupSize: 4 })).toThrow(/minibatchStd: batch 6 is not a multiple of the group size 4 \(x \[6, 4, 2, 2\]/);
      expect(() => K.minibatchStd(K.zeros(rt, [4, 5, 2, 2]), { numChannels: 2 })).toThrow(/minibatchStd: 5 channels do not split into 2 statistics channels \(x \[4, 5, 2, 2\]/);
      expect(() => K.minibatchStd(K.zeros(rt, [4, 5, 2]))).toThrow(/minibatchStd: x must be \[N, C, H, W\] \(x \[4, 5, 2\]/);
      expect(() => K.minibatchStd(K.zeros(rt, [4, 4, 2, 2]), { groupSize: 0 })).toThrow(/minibatchStd: groupSize must be/);
      expect(() => K.minibatchStd(K.zeros(rt, [4, 4, 2, 2]), { groupSize: 2.5 })).toThrow(/minibatchStd: groupSize must be/);
      expect(() => K.minibatchStd(K.zeros(rt, [4, 4, 2, 2]), { numChannels: 0 })).toThrow(/minibatchStd: numChannels must be/);
    });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { checkOp, destroyTestRuntime, makeRng, randn, testRuntime } from './check-op.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

/**
 * MinibatchStdLayer in float64, step by step as the official forward: view x as [G, n, F, c, H, W],
 * subtract the group mean, mean of squares over the group, sqrt(· + 1e-8), mean over c, H, W,
 * repeat over the group and the pixels, concatenate as channels.
 */
function minibatchStdRef(x: Float64Array, [N, C, H, W]: number[], groupSize: number | null, F: number): Float64Array {
  const G = groupSize === null ? N : Math.min(groupSize, N);
  const n = N / G;
  const c = C / F;
  const P = H * W;
  const at = (g: number, j: number, f: number, cc: number, p: number) => x[((g * n + j) * C + f * c + cc) * P + p];
  const stat = new Float64Array(n * F);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < F; f++) {
      let acc = 0;
      for (let cc = 0; cc < c; cc++) {
        for (let p = 0; p < P; p++) {
          let mean = 0;
          for (let g = 0; g < G; g++) mean += at(g, j, f, cc, p);
          mean /= G;
          let v = 0;
          for (let g = 0; g < G; g++) v += (at(g, j, f, cc, p) - mean) ** 2;
          acc += Math.sqrt(v / G + 1e-8);
        }
      }
      stat[j * F + f] = acc / (c * P);
    }
  }
  const out = new Float64Array(N * (C + F) * P);
  for (let s = 0; s < N; s++) {
    for (let ch = 0; ch < C + F; ch++) {
      for (let p = 0; p < P; p++) {
        out[(s * (C + F) + ch) * P + p] = ch < C ? x[(s * C + ch) * P + p] : stat[(s % n) * F + (ch - C)];
      }
    }
  }
  return out;
}

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
        ref: ([x]) => minibatchStdRef(x, c.shape, c.groupSize === undefined ? 4 : c.groupSize, F),
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

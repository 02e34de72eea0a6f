import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { addNoiseRef } from './reference/noise.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const cases = [
  { N: 3, C: 5, H: 4, W: 5, M: 3 },
  { N: 3, C: 13, H: 5, W: 4, M: 1 }, // noise_mode 'const': one map for the whole batch
  { N: 1, C: 3, H: 8, W: 8, M: 1 },
];

describe('addNoise', () => {
  for (const c of cases) {
    const label = `x [${c.N}, ${c.C}, ${c.H}, ${c.W}] + noise [${c.M}, 1, ${c.H}, ${c.W}] · strength`;
    it(`${label} (tensor strength: gradients for x, noise and strength)`, async () => {
      const P = c.H * c.W;
      await checkOp({
        label,
        inputs: [
          { shape: [c.N, c.C, c.H, c.W], data: randn(rng, c.N * c.C * P) },
          { shape: [c.M, 1, c.H, c.W], data: randn(rng, c.M * P) },
          { shape: [1], data: randn(rng, 1) },
        ],
        shape: [c.N, c.C, c.H, c.W],
        gpu: (_rt, [x, noise, strength]) => K.addNoise(x, noise, strength),
        ref: ([x, noise, strength]) => addNoiseRef(x, noise, strength[0], c.N, c.C, P),
      });
    });
  }

  it('a plain-number strength (and a scalar-shaped strength tensor)', async () => {
    const [N, C, H, W] = [3, 5, 4, 5];
    await checkOp({
      label: 'number strength',
      inputs: [
        { shape: [N, C, H, W], data: randn(rng, N * C * H * W) },
        { shape: [N, 1, H, W], data: randn(rng, N * H * W) },
      ],
      shape: [N, C, H, W],
      gpu: (_rt, [x, noise]) => K.addNoise(x, noise, -0.37),
      ref: ([x, noise]) => addNoiseRef(x, noise, -0.37, N, C, H * W),
    });
    await checkOp({
      label: 'strength of shape []',
      inputs: [
        { shape: [1, C, H, W], data: randn(rng, C * H * W) },
        { shape: [1, 1, H, W], data: randn(rng, H * W) },
        { shape: [], data: randn(rng, 1) },
      ],
      shape: [1, C, H, W],
      gpu: (_rt, [x, noise, strength]) => K.addNoise(x, noise, strength),
      ref: ([x, noise, strength]) => addNoiseRef(x, noise, strength[0], 1, C, H * W),
    });
  });

  it('rejects bad shapes before dispatching, naming the op and the shapes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3, 4, 4]);
      const s = K.zeros(rt, [1]);
      expect(() => K.addNoise(x, K.zeros(rt, [2, 3, 4, 4]), s)).toThrow(/addNoise: noise must be \[2 or 1, 1, 4, 4\] \(x \[2, 3, 4, 4\], noise \[2, 3, 4, 4\]/);
      expect(() => K.addNoise(x, K.zeros(rt, [3, 1, 4, 4]), s)).toThrow(/addNoise: noise must be/);
      expect(() => K.addNoise(x, K.zeros(rt, [2, 1, 4, 5]), s)).toThrow(/addNoise: noise must be/);
      expect(() => K.addNoise(x, K.zeros(rt, [4, 4]), s)).toThrow(/addNoise: noise must be/);
      expect(() => K.addNoise(K.zeros(rt, [3, 4, 4]), K.zeros(rt, [1, 1, 4, 4]), s)).toThrow(/addNoise: x must be \[N, C, H, W\]/);
      expect(() => K.addNoise(x, K.zeros(rt, [1, 1, 4, 4]), K.zeros(rt, [2]))).toThrow(/addNoise: strength must have one element .*strength \[2\]/);
      expect(() => K.addNoise(x, K.zeros(rt, [1, 1, 4, 4]), Number.NaN)).toThrow(/addNoise: strength must be finite/);
    });
  });
});

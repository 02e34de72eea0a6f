import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { reduceRef } from './reference/reduce.js';
import { size } from './row-major.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const cases: Array<[number[], number[]]> = [
  [[7], [0]],
  [[3, 5], [1]],
  [[3, 5], [0]],
  [[2, 3, 4, 5], [1, 2]],
  [[2, 3, 4, 5], [0, 2]],
  [[2, 3, 4, 5], [0, 1, 2, 3]],
  [[4, 301], [1]], // workgroup-per-row path with a ragged tail
  [[1, 1000, 3], [1]],
  [[5, 1, 9], [1]],
];

describe('reductions', () => {
  for (const [shape, axes] of cases) {
    for (const op of ['sum', 'mean', 'max'] as const) {
      it(`${op} of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, async () => {
        let data = randn(rng, size(shape));
        // max: well separated values so the finite difference never changes the argmax.
        if (op === 'max') data = data.map((_, i) => ((i * 7919) % data.length) * 0.01 + rng() * 0.001);
        const outShape = shape.filter((_, i) => !axes.includes(i));
        await checkOp({
          label: `${op} ${JSON.stringify(shape)}/${JSON.stringify(axes)}`,
          inputs: [{ shape, data }],
          shape: outShape,
          gpu: (_rt, [x]) => K[op](x, axes),
          ref: ([x]) => reduceRef(x, shape, axes, op),
        });
      });
    }
  }

  it('keepDims and negative axes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3, 4]);
      expect(K.sum(x, -1, true).shape).toEqual([2, 3, 1]);
      expect(K.mean(x, [0, -1]).shape).toEqual([3]);
      expect(K.sum(x).shape).toEqual([]);
    });
  });

  it('max splits the gradient between ties', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([1, 3, 3, 2], [1, 4]);
    x.requiresGrad = true;
    K.backward(K.sum(K.max(x, 1)));
    expect(Array.from(await x.grad!.read())).toEqual([0, 0.5, 0.5, 0]);
    x.dispose();
  });

  it('sumTo reduces a broadcast gradient back', async () => {
    const rt = await testRuntime();
    const g = rt.tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const r = K.sumTo(g, [3, 1]);
    expect(r.shape).toEqual([3, 1]);
    expect(Array.from(await r.read())).toEqual([0, 1, 2].map((j) => [0, 1].reduce((s, b) => s + [0, 1, 2, 3].reduce((t, k) => t + b * 12 + j * 4 + k, 0), 0)));
    expect(() => K.sumTo(g, [5])).toThrow(/sumTo/);
  });

  it('sums exactly over an axis longer than 65 535 (one thread loops over all of it)', async () => {
    // Small integers keep every float32 partial sum exact, so a loop that stopped early shows.
    const rt = await testRuntime();
    const R = 70_001;
    const data = Float32Array.from({ length: R * 3 }, (_, i) => (i * 7) % 5);
    const want = [0, 1, 2].map((j) => { let s = 0; for (let r = 0; r < R; r++) s += data[r * 3 + j]; return s; });
    const x = rt.tensor(data, [R, 3]);
    const s = K.sum(x, 0);
    expect(Array.from(await s.read())).toEqual(want);
    x.dispose();
    s.dispose();
  });

  it('rejects an out-of-range axis', async () => {
    const rt = await testRuntime();
    rt.tidy(() => expect(() => K.sum(K.zeros(rt, [2, 3]), 2)).toThrow(/sum: axis 2 is out of range for rank 2/));
  });
});

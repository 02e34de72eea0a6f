import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { size } from './row-major.js';
import { softmaxRef } from './reference/softmax.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const cases: Array<[number[], number]> = [
  [[7], 0],
  [[1, 5], -1],
  [[3, 5], 0],
  [[2, 3, 4], 1],
  [[2, 3, 5], -1],
  [[2, 301], 1], // long rows with a ragged tail (the workgroup path by default)
  [[1, 257, 2], 1], // long strided rows
];

for (const variant of ['thread', 'workgroup'] as const) {
  describe(`softmax / logSoftmax (${variant})`, () => {
    for (const [shape, axis] of cases) {
      for (const log of [false, true]) {
        const op = log ? 'logSoftmax' : 'softmax';
        it(`${op} of ${JSON.stringify(shape)} along ${axis}`, async () => {
          const rt = await testRuntime();
          rt.variants.softmax = variant;
          const a = axis < 0 ? axis + shape.length : axis;
          try {
            await checkOp({
              label: `${variant} ${op} ${JSON.stringify(shape)}/${axis}`,
              inputs: [{ shape, data: randn(rng, size(shape), 2) }],
              shape,
              gpu: (_rt, [x]) => (log ? K.logSoftmax(x, axis) : K.softmax(x, axis)),
              ref: ([x]) => softmaxRef(x, shape, a, log),
            });
          } finally {
            rt.variants = {};
          }
        });
      }
    }
  });
}

describe('softmax edge cases', () => {
  it('is stable for large logits and picks the variant by row length', async () => {
    const rt = await testRuntime();
    const y = await rt.tidy(() => K.softmax(rt.tensor([1000, 1000, -1000, 999], [1, 4]))).read();
    const e = Math.exp(-1);
    expect(Array.from(y).map((v) => +v.toFixed(6))).toEqual([1 / (2 + e), 1 / (2 + e), 0, e / (2 + e)].map((v) => +v.toFixed(6)));
    const l = await rt.tidy(() => K.logSoftmax(rt.tensor([1e4, 0], [2]))).read();
    expect(l[0]).toBe(0);
    expect(l[1]).toBe(-1e4);
    expect(K.softmaxVariant(rt, 4, 50)).toBe('thread');
    expect(K.softmaxVariant(rt, 4, 49408)).toBe('workgroup');
  });

  it('softmaxBackwardRaw matches the recorded backward', async () => {
    const rt = await testRuntime();
    await rt.tidyAsync(async () => {
      const x = rt.tensor(Float32Array.from(randn(rng, 12)), [3, 4]);
      x.requiresGrad = true;
      const y = K.softmax(x);
      const g = rt.tensor(Float32Array.from(randn(rng, 12)), [3, 4]);
      K.backward(y, g);
      const raw = K.softmaxBackwardRaw(y, g);
      expect(Array.from(await raw.read())).toEqual(Array.from(await x.grad!.read()));
    });
  });

  it('rejects bad axes and dtypes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3]);
      expect(() => K.softmax(x, 2)).toThrow(/softmax: axis 2 is out of range for rank 2/);
      expect(() => K.logSoftmax(x, -3)).toThrow(/logSoftmax: axis -3 is out of range for rank 2/);
      expect(() => K.softmax(rt.tensor([1, 2], [2], 'i32'))).toThrow(/softmax: expected an f32 tensor, got i32 \[2\]/);
      expect(() => K.softmax(rt.tensor([1], []))).toThrow(/softmax: needs at least one axis/);
      expect(() => K.softmaxBackwardRaw(x, K.zeros(rt, [5]))).toThrow(/softmax backward: gradient \[5\] for output \[2, 3\]/);
    });
  });
});

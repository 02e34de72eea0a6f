import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { size } from './row-major.js';
import { layerNormRef } from './reference/layer-norm.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const shapes = [[5], [1, 3, 7], [4, 10], [2, 3, 13], [3, 130]];
const affine: Array<[boolean, boolean]> = [[true, true], [false, false], [true, false], [false, true]];

for (const variant of ['thread', 'workgroup'] as const) {
  describe(`layerNorm (${variant})`, () => {
    for (const shape of shapes) {
      for (const [hasW, hasB] of shape.length === 2 && shape[0] === 4 ? affine : [affine[0]]) {
        it(`${JSON.stringify(shape)}${hasW ? ' +weight' : ''}${hasB ? ' +bias' : ''}`, async () => {
          const rt = await testRuntime();
          rt.variants.layerNorm = variant;
          const D = shape[shape.length - 1];
          const eps = shape.length === 1 ? 0.3 : 1e-5;
          // An offset of 3 so a one-pass variance would lose digits.
          const inputs: Array<{ shape: number[]; data: Float64Array }> = [{ shape, data: randn(rng, size(shape)).map((v) => v + 3) }];
          if (hasW) inputs.push({ shape: [D], data: randn(rng, D) });
          if (hasB) inputs.push({ shape: [D], data: randn(rng, D) });
          try {
            await checkOp({
              label: `${variant} layerNorm ${JSON.stringify(shape)}`,
              inputs,
              shape,
              gpu: (_rt, [x, ...rest]) => K.layerNorm(x, hasW ? rest[0] : null, hasB ? rest[hasW ? 1 : 0] : null, { eps }),
              ref: ([x, ...rest]) => layerNormRef(x, D, hasW ? rest[0] : null, hasB ? rest[hasW ? 1 : 0] : null, eps),
            });
          } finally {
            rt.variants = {};
          }
        });
      }
    }
  });
}

describe('layerNorm edge cases', () => {
  it('only the inputs that require grad get one', async () => {
    const rt = await testRuntime();
    await rt.tidyAsync(async () => {
      const x = rt.tensor(Float32Array.from(randn(rng, 12)), [3, 4]);
      const w = rt.tensor([1, 2, 3, 4], [4]);
      const b = rt.tensor([0, 0, 0, 0], [4]);
      w.requiresGrad = true;
      K.backward(K.sum(K.layerNorm(x, w, b)));
      expect(x.grad).toBeNull();
      expect(b.grad).toBeNull();
      // Σ_rows x̂ per column; Σ over columns of a normalised row is 0.
      const dw = await w.grad!.read();
      expect(Math.abs(Array.from(dw).reduce((s, v) => s + v, 0))).toBeLessThan(1e-4);
    });
  });

  it('chooses the kernel shape by row count', async () => {
    const rt = await testRuntime();
    expect(K.layerNormVariant(rt, 50, 768)).toBe(rt.isSoftware ? 'thread' : 'workgroup');
    expect(K.layerNormVariant(rt, 100000, 768)).toBe('thread');
    expect(K.layerNormVariant(rt, 5, 8)).toBe('thread');
  });

  it('rejects bad shapes and options before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3]);
      expect(() => K.layerNorm(x, K.zeros(rt, [4]))).toThrow(/layerNorm: weight and bias must have shape \[3\] \(x \[2, 3\], weight \[4\]\)/);
      expect(() => K.layerNorm(x, null, K.zeros(rt, [1, 3]))).toThrow(/layerNorm: weight and bias must have shape \[3\] \(x \[2, 3\], bias \[1, 3\]\)/);
      expect(() => K.layerNorm(rt.tensor([1], []))).toThrow(/layerNorm: x must have at least one dimension/);
      expect(() => K.layerNorm(x, null, null, { eps: -1 })).toThrow(/layerNorm: eps must be a finite number ≥ 0, got -1/);
      expect(() => K.layerNorm(rt.tensor([1, 2], [2], 'i32'))).toThrow(/layerNorm: expected f32 tensors, got i32/);
    });
  });
});

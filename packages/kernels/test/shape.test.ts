import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { checkOp, destroyTestRuntime, makeRng, randn, testRuntime } from './check-op.js';
import { size, stridesOf } from './reference.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

function permuteRef(x: Float64Array, shape: number[], perm: number[]): Float64Array {
  const out = new Float64Array(x.length);
  const outShape = perm.map((p) => shape[p]);
  const xs = stridesOf(shape);
  const os = stridesOf(outShape);
  for (let i = 0; i < x.length; i++) {
    let j = 0;
    for (let d = 0; d < perm.length; d++) j += (Math.floor(i / os[d]) % outShape[d]) * xs[perm[d]];
    out[i] = x[j];
  }
  return out;
}

describe('shape ops', () => {
  it('reshape shares storage and infers -1', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = K.reshape(x, [3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expect(y.buffer).toBe(x.buffer);
    x.dispose(); // y keeps the storage alive
    expect(Array.from(await y.read())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => K.reshape(y, [4, 2])).toThrow(/reshape: cannot reshape \[3, 2\]/);
    y.dispose();
  });

  for (const [shape, perm] of [
    [[3, 5], [1, 0]],
    [[2, 3, 4], [2, 0, 1]],
    [[2, 1, 3, 5], [3, 1, 0, 2]],
  ] as Array<[number[], number[]]>) {
    it(`permute ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`, async () => {
      await checkOp({
        label: 'permute',
        inputs: [{ shape, data: randn(rng, size(shape)) }],
        shape: perm.map((p) => shape[p]),
        gpu: (_rt, [x]) => K.permute(x, perm),
        ref: ([x]) => permuteRef(x, shape, perm),
      });
    });
  }

  it('expand broadcasts and sums back', async () => {
    await checkOp({
      label: 'expand',
      inputs: [{ shape: [3, 1], data: randn(rng, 3) }],
      shape: [2, 3, 4],
      gpu: (_rt, [x]) => K.expand(x, [2, 3, 4]),
      ref: ([x]) => Float64Array.from({ length: 24 }, (_, i) => x[Math.floor(i / 4) % 3]),
    });
  });

  it('slice with negative bounds, and its scatter backward', async () => {
    const shape = [4, 6, 5];
    await checkOp({
      label: 'slice',
      inputs: [{ shape, data: randn(rng, size(shape)) }],
      shape: [2, 3, 5],
      gpu: (_rt, [x]) => K.slice(x, [[1, 3], [-4, -1]]),
      ref: ([x]) => {
        const out: number[] = [];
        for (let a = 1; a < 3; a++) for (let b = 2; b < 5; b++) for (let c = 0; c < 5; c++) out.push(x[a * 30 + b * 5 + c]);
        return Float64Array.from(out);
      },
    });
  });

  it('concat along a middle axis, and stack', async () => {
    await checkOp({
      label: 'concat',
      inputs: [
        { shape: [2, 1, 3], data: randn(rng, 6) },
        { shape: [2, 4, 3], data: randn(rng, 24) },
      ],
      shape: [2, 5, 3],
      gpu: (_rt, xs) => K.concat(xs, 1),
      ref: ([a, b]) => {
        const out: number[] = [];
        for (let i = 0; i < 2; i++) {
          out.push(...a.slice(i * 3, i * 3 + 3));
          out.push(...b.slice(i * 12, i * 12 + 12));
        }
        return Float64Array.from(out);
      },
    });
    const rt = await testRuntime();
    rt.tidy(() => {
      const s = K.stack([rt.tensor([1, 2]), rt.tensor([3, 4])], 1);
      expect(s.shape).toEqual([2, 2]);
      expect(() => K.concat([K.zeros(rt, [2, 3]), K.zeros(rt, [3, 3])], 1)).toThrow(/concat: shapes/);
      expect(() => K.permute(K.zeros(rt, [2, 3]), [0, 0])).toThrow(/not a permutation/);
      expect(() => K.slice(K.zeros(rt, [2, 3]), [[0, 3]])).toThrow(/out of bounds/);
    });
  });
});

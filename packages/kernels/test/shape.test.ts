import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { size, stridesOf } from './row-major.js';
import { permuteRef, sliceRef } from './reference/shape.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

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

  // Up to 64 contiguous runs are buffer copies, more go to the strided kernels: both, forward and backward.
  for (const [label, full, ranges] of [
    ['70 runs (the strided kernel)', [70, 3, 4], [null, [1, 3]]],
    ['64 runs (copies)', [64, 3, 5], [null, [2, 3], [1, 4]]],
    ['one run of whole trailing axes (a copy)', [5, 3, 4], [[2, 4]]],
    ['runs split on the last axis (copies)', [3, 2, 7], [[1, 3], null, [2, 5]]],
  ] as Array<[string, number[], Array<[number, number] | null>]>) {
    it(`slice: ${label}`, async () => {
      const r = full.map((d, i) => ranges[i] ?? [0, d]);
      await checkOp({
        label: `slice ${label}`,
        inputs: [{ shape: full, data: randn(rng, size(full)) }],
        shape: r.map(([a, b]) => b - a),
        gpu: (_rt, [x]) => K.slice(x, ranges),
        ref: ([x]) => sliceRef(full, ranges)(x),
      });
    });
  }
  for (const [label, n] of [['6 runs (copies)', 3], ['65 runs (the strided kernel)', 65]] as const) {
    it(`concat along the last axis: ${label}`, async () => {
      await checkOp({
        label: `concat ${label}`,
        inputs: [
          { shape: [n, 2, 5], data: randn(rng, n * 10) },
          { shape: [n, 2, 1], data: randn(rng, n * 2) },
        ],
        shape: [n, 2, 6],
        gpu: (_rt, xs) => K.concat(xs, 2),
        ref: ([a, b]) => {
          const out: number[] = [];
          for (let i = 0; i < n * 2; i++) out.push(...a.slice(i * 5, i * 5 + 5), b[i]);
          return Float64Array.from(out);
        },
      });
    });
  }

  it('rt.copyBytes copies a byte range and refuses unaligned, out-of-bounds and same-buffer copies', async () => {
    const rt = await testRuntime();
    const a = rt.tensor([1, 2, 3, 4, 5]);
    const b = K.zeros(rt, [4]);
    rt.copyBytes(a, 8, b, 4, 8);
    expect(Array.from(await b.read())).toEqual([0, 3, 4, 0]);
    expect(() => rt.copyBytes(a, 2, b, 0, 4)).toThrow(/copy: offsets and size must be multiples of 4 bytes \(4 bytes from .* at 2/);
    expect(() => rt.copyBytes(a, 12, b, 0, 12)).toThrow(/copy: out of bounds/);
    expect(() => rt.copyBytes(a, 0, K.reshape(a, [5, 1]), 4, 4)).toThrow(/copy: source and destination share a buffer/);
    b.dispose();
    expect(() => rt.copyBytes(a, 0, b, 0, 4)).toThrow(/copy: tensor #\d+ \[4\] was used after/);
    a.dispose();
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

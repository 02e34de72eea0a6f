import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { makeRng, randn, uniform } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { size, stridesOf } from './row-major.js';
import { cosineRef } from './reference/cosine-similarity.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

describe('normalizeChannels', () => {
  const cases: Array<[number[], number[], number[]]> = [
    [[2, 3, 4, 5], CLIP_MEAN, CLIP_STD],
    [[1, 5, 7], [0.1, -0.2, 0.3, 0.4, 0.5], [1, 2, 0.5, 3, 0.25]],
    [[3, 2], [0.5], [2]], // one value shared by all channels
    [[2, 20, 3], Array.from({ length: 20 }, (_, i) => i / 10), Array.from({ length: 20 }, (_, i) => 1 + i / 7)], // beyond the uniform path
  ];
  for (const [shape, mean, std] of cases) {
    it(`${JSON.stringify(shape)} with ${mean.length} mean values`, async () => {
      const C = shape[1];
      const inner = size(shape.slice(2));
      await checkOp({
        label: `normalizeChannels ${JSON.stringify(shape)}`,
        inputs: [{ shape, data: uniform(rng, size(shape), 0, 1) }],
        shape,
        gpu: (_rt, [x]) => K.normalizeChannels(x, mean, std),
        ref: ([x]) =>
          x.map((v, i) => {
            const c = Math.floor(i / inner) % C;
            const k = mean.length === 1 ? 0 : c;
            return (v - mean[k]) / std[k];
          }),
      });
    });
  }

  it('rejects bad shapes and constants before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [1, 3, 2, 2]);
      expect(() => K.normalizeChannels(x, [0, 0], [1, 1, 1])).toThrow(/normalizeChannels: 2 mean values for 3 channels of \[1, 3, 2, 2\]/);
      expect(() => K.normalizeChannels(x, [0, 0, 0], [1, 0, 1])).toThrow(/normalizeChannels: std evaluated to zero/);
      expect(() => K.normalizeChannels(x, [0, NaN, 0], [1, 1, 1])).toThrow(/normalizeChannels: mean must be finite/);
      expect(() => K.normalizeChannels(K.zeros(rt, [3]), [0], [1])).toThrow(/normalizeChannels: x must be \[N, C, \.\.\.\], got \[3\]/);
    });
  });
});

describe('centerCrop', () => {
  it('places the window as torchvision does (Python round, half to even; zero-pad when larger)', () => {
    // [image size, crop size, first source index] from torchvision's formulas, by hand.
    const expected: Array<[number, number, number]> = [
      [7, 4, 2], // round(1.5) = 2
      [9, 4, 2], // round(2.5) = 2
      [11, 4, 4], // round(3.5) = 4
      [256, 224, 16],
      [224, 224, 0],
      [5, 7, -1], // pad (7 − 5) // 2 = 1 on top
      [5, 8, -1], // pad 3 // 2 = 1 on top, 2 below
      [1, 4, -1],
    ];
    for (const [s, c, top] of expected) expect(K.centerCropOffset(s, c), `${s} → ${c}`).toBe(top);
  });

  const cases: Array<[number[], number | [number, number]]> = [
    [[1, 2, 7, 9], 4],
    [[2, 5, 6], [7, 3]], // taller than the image: zero rows above and below
    [[3, 4], [3, 4]], // identity
    [[1, 1, 8, 5], [3, 8]],
  ];
  for (const [shape, crop] of cases) {
    it(`${JSON.stringify(shape)} → ${JSON.stringify(crop)}`, async () => {
      const [h, w] = typeof crop === 'number' ? [crop, crop] : crop;
      const [H, W] = shape.slice(-2);
      const top = K.centerCropOffset(H, h);
      const left = K.centerCropOffset(W, w);
      const planes = size(shape.slice(0, -2));
      await checkOp({
        label: `centerCrop ${JSON.stringify(shape)}`,
        inputs: [{ shape, data: randn(rng, size(shape)) }],
        shape: [...shape.slice(0, -2), h, w],
        gpu: (_rt, [x]) => K.centerCrop(x, crop),
        ref: ([x]) => {
          const out = new Float64Array(planes * h * w);
          for (let p = 0; p < planes; p++)
            for (let i = 0; i < h; i++)
              for (let j = 0; j < w; j++) {
                const y = i + top;
                const xx = j + left;
                out[(p * h + i) * w + j] = y >= 0 && y < H && xx >= 0 && xx < W ? x[(p * H + y) * W + xx] : 0;
              }
          return out;
        },
      });
    });
  }

  it('rejects bad sizes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      expect(() => K.centerCrop(K.zeros(rt, [2, 3, 3]), 0)).toThrow(/centerCrop: size must be positive integers, got \[0, 0\] for \[2, 3, 3\]/);
      expect(() => K.centerCrop(K.zeros(rt, [2, 3, 3]), [2, 1.5])).toThrow(/centerCrop: size must be positive integers/);
      expect(() => K.centerCrop(K.zeros(rt, [3]), 2)).toThrow(/centerCrop: x must be \[\.\.\., H, W\], got \[3\]/);
    });
  });
});

describe('cosineSimilarity and l2Normalize', () => {
  const cases: Array<[number[], number[], number]> = [
    [[3, 7], [3, 7], -1],
    [[4, 5, 2], [4, 5, 2], 1],
    [[2, 1, 6], [1, 3, 6], 2], // broadcast
  ];
  for (const [sa, sb, axis] of cases) {
    it(`cosineSimilarity ${JSON.stringify(sa)} · ${JSON.stringify(sb)} along ${axis}`, async () => {
      const a = axis < 0 ? axis + sa.length : axis;
      await checkOp({
        label: `cosineSimilarity ${JSON.stringify(sa)}`,
        inputs: [
          { shape: sa, data: randn(rng, size(sa)) },
          { shape: sb, data: randn(rng, size(sb)) },
        ],
        shape: sa.map((d, i) => Math.max(d, sb[i])).filter((_, i) => i !== a),
        gpu: (_rt, [x, y]) => K.cosineSimilarity(x, y, axis),
        ref: ([x, y]) => cosineRef(x, sa, y, sb, a, 1e-8),
      });
    });
  }

  it('clamps each norm by eps separately (torch 1.13)', async () => {
    // torch: F.cosine_similarity([[1e-5, 0]], [[1e-4, 0]], eps=1e-3) = 1e-9 / (1e-3 · 1e-3) = 1e-3.
    const rt = await testRuntime();
    const v = await rt.tidy(() => K.cosineSimilarity(rt.tensor([1e-5, 0], [1, 2]), rt.tensor([1e-4, 0], [1, 2]), -1, 1e-3)).item();
    expect(v).toBeCloseTo(1e-3, 8);
  });

  for (const [shape, axis] of [[[3, 5], -1], [[2, 4, 3], 1]] as Array<[number[], number]>) {
    it(`l2Normalize ${JSON.stringify(shape)} along ${axis}`, async () => {
      const a = axis < 0 ? axis + shape.length : axis;
      const st = stridesOf(shape);
      await checkOp({
        label: `l2Normalize ${JSON.stringify(shape)}`,
        inputs: [{ shape, data: randn(rng, size(shape)) }],
        shape,
        gpu: (_rt, [x]) => K.l2Normalize(x, axis),
        ref: ([x]) =>
          x.map((v, i) => {
            const base = i - (Math.floor(i / st[a]) % shape[a]) * st[a];
            let n = 0;
            for (let r = 0; r < shape[a]; r++) n += x[base + r * st[a]] ** 2;
            return v / Math.max(Math.sqrt(n), 1e-12);
          }),
      });
    });
  }

  it('rejects bad axes and shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3]);
      expect(() => K.cosineSimilarity(x, K.zeros(rt, [3]))).toThrow(/cosineSimilarity: a \[2, 3\] and b \[3\] must have the same rank/);
      expect(() => K.cosineSimilarity(x, K.zeros(rt, [2, 4]))).toThrow(/cosineSimilarity: a \[2, 3\] and b \[2, 4\] differ along axis -1/);
      expect(() => K.cosineSimilarity(x, x, 2)).toThrow(/cosineSimilarity: axis 2 is out of range for rank 2/);
      expect(() => K.l2Normalize(x, -3)).toThrow(/l2Normalize: axis -3 is out of range for rank 2/);
      expect(() => K.l2Normalize(x, 0, -1)).toThrow(/l2Normalize: eps must be ≥ 0, got -1/);
    });
  });
});

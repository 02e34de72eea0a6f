import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { upfirdn2dRef, type UpfirdnRefParams } from './reference/upfirdn2d.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

interface Case {
  label: string;
  x: [number, number, number, number];
  /** Filter shape; values are random unless `taps` is given. */
  f: number[];
  taps?: number[];
  up?: [number, number];
  down?: [number, number];
  pad?: [number, number, number, number];
  flip?: boolean;
  gain?: number;
}

const cases: Case[] = [
  { label: 'up 2, [1,3,3,1] 2-D, pad (2,1), gain 4 (upsample2d)', x: [1, 3, 5, 6], f: [4, 4], taps: [1, 3, 3, 1], up: [2, 2], pad: [2, 1, 2, 1], gain: 4 },
  { label: 'down 2, [1,3,3,1] 2-D, pad 1 (downsample2d)', x: [2, 3, 7, 8], f: [4, 4], taps: [1, 3, 3, 1], down: [2, 2], pad: [1, 1, 1, 1] },
  { label: 'odd 3×5 asymmetric filter, asymmetric padding', x: [1, 5, 6, 7], f: [3, 5], pad: [2, 0, 1, 3] },
  { label: 'odd 3×5 filter flipped (correlation), gain 1.7', x: [2, 3, 6, 5], f: [3, 5], pad: [1, 3, 2, 0], flip: true, gain: 1.7 },
  { label: 'negative padding (crop), up [2,1], down [1,2], 4×3 filter', x: [1, 3, 7, 6], f: [4, 3], up: [2, 1], down: [1, 2], pad: [-1, 2, 1, -2] },
  { label: 'separable 5 taps, up 2, gain 2', x: [1, 3, 5, 4], f: [5], up: [2, 2], pad: [3, 2, 1, 2], gain: 2 },
  { label: 'separable 8 taps, down 2, flipped', x: [2, 2, 9, 10], f: [8], down: [2, 2], pad: [3, 3, 3, 4], flip: true },
  { label: 'up 3 and down 2 together, 3×3 filter', x: [1, 3, 4, 5], f: [3, 3], up: [3, 3], down: [2, 2], pad: [1, 2, 2, 1] },
  { label: 'up 2 with down 2 on the other axis, 4-tap separable, heavy crop', x: [1, 2, 6, 9], f: [4], up: [2, 1], down: [1, 2], pad: [-3, 0, 0, -2] },
  { label: 'batch 3, channels 7, identity 1×1 filter, pad only', x: [3, 7, 3, 4], f: [1, 1], taps: [1], pad: [1, 0, 0, 2] },
  { label: 'up 2 with odd padding (the other phase), wide rows over several blocks', x: [1, 2, 5, 37], f: [4, 4], up: [2, 2], pad: [1, 2, 3, 0], gain: 4 },
  { label: 'up 4, 3×3 filter, odd padding', x: [1, 1, 3, 4], f: [3, 3], up: [4, 4], pad: [1, 3, 2, 1] },
  { label: '4×4 FIR over several 8×8 blocks with ragged edges', x: [1, 2, 19, 21], f: [4, 4], pad: [1, 1, 1, 1], gain: 4 },
  { label: 'down 2 over several blocks, ragged', x: [1, 2, 37, 35], f: [4, 4], taps: [1, 3, 3, 1], down: [2, 2], pad: [1, 1, 1, 1] },
  // Rows per thread are a sliding window of 32 output rows; these cross several windows, raggedly,
  // with rows a multiple of 4 wide (stored as vec4s) and not.
  { label: '4×4 FIR, 69 rows × 44 (vec4 stores), batch 2', x: [2, 1, 71, 43], f: [4, 4], pad: [1, 3, 0, 1] },
  { label: 'up 2 to 74 rows × 18', x: [1, 2, 37, 9], f: [4, 4], taps: [1, 3, 3, 1], up: [2, 2], pad: [2, 1, 2, 1], gain: 4 },
  { label: 'up 2 to 74 rows × 20 (vec4 stores), the other phase', x: [1, 1, 37, 10], f: [4, 4], up: [2, 2], pad: [1, 2, 1, 2], gain: 4 },
  { label: 'down 2 to 70 rows × 8 (vec4 stores)', x: [1, 2, 141, 16], f: [4, 4], taps: [1, 3, 3, 1], down: [2, 2], pad: [1, 1, 1, 1] },
  // No tap of the filter ever lands on a real pixel (the output is all zeros).
  { label: '1×1 filter, up 2, down 2, padding 1: every tap misses', x: [1, 2, 5, 6], f: [1, 1], up: [2, 2], down: [2, 2], pad: [1, 1, 1, 1] },
  { label: '2×2 filter, up 4, down 4, padding 2 on x only: the x taps miss', x: [1, 1, 4, 5], f: [2, 2], up: [4, 4], down: [4, 4], pad: [2, 2, 0, 0] },
  { label: 'down 3 with a 2×2 filter (window shorter than the step)', x: [1, 2, 100, 13], f: [2, 2], down: [3, 3], pad: [0, 1, 1, 0] },
];

function outShape(c: Case): number[] {
  const [N, C, H, W] = c.x;
  const [ux, uy] = c.up ?? [1, 1];
  const [dx, dy] = c.down ?? [1, 1];
  const [px0, px1, py0, py1] = c.pad ?? [0, 0, 0, 0];
  const fw = c.f.length === 1 ? c.f[0] : c.f[1];
  const fh = c.f[0];
  return [N, C, Math.floor((H * uy + py0 + py1 - fh + dy) / dy), Math.floor((W * ux + px0 + px1 - fw + dx) / dx)];
}

// `blocked` (specialised, outputs in blocks sharing loads) is the default; `direct` is the general fallback.
for (const variant of ['blocked', 'direct'] as const) describe(`upfirdn2d (${variant}) vs the official reference steps`, () => {
  for (const c of cases) {
    it(c.label, async () => {
      const rt = await testRuntime();
      rt.variants.upfirdn2d = variant;
      const fSize = c.f.reduce((a, b) => a * b, 1);
      let fData: Float64Array;
      if (c.taps) {
        const t = c.taps;
        fData = c.f.length === 2 && t.length > 1 ? Float64Array.from(t.flatMap((a) => t.map((b) => (a * b) / 64))) : Float64Array.from(t);
      } else fData = randn(rng, fSize);
      const p: UpfirdnRefParams = { up: c.up ?? [1, 1], down: c.down ?? [1, 1], pad: c.pad ?? [0, 0, 0, 0], flip: c.flip ?? false, gain: c.gain ?? 1 };
      const xSize = c.x.reduce((a, b) => a * b, 1);
      await checkOp({
        label: `upfirdn2d ${c.label}`,
        inputs: [
          { shape: c.x, data: randn(rng, xSize) },
          { shape: c.f, data: fData, grad: false },
        ],
        shape: outShape(c),
        gpu: (_rt, [x, f]) => K.upfirdn2d(x, f, { up: c.up, down: c.down, padding: c.pad, flipFilter: c.flip, gain: c.gain }),
        ref: ([x, f]) => upfirdn2dRef(x, c.x, f, c.f, p).data,
      }).finally(() => {
        rt.variants = {};
      });
    });
  }
});

describe('setupFilter', () => {
  it('a 4-tap list becomes the normalised outer product; 8 taps stay separable', () => {
    const f = K.setupFilter([1, 3, 3, 1]);
    expect(f.shape).toEqual([4, 4]);
    expect(f.data[0]).toBeCloseTo(1 / 64, 7);
    expect(f.data[5]).toBeCloseTo(9 / 64, 7);
    expect(f.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const s = K.setupFilter([1, 2, 3, 4, 4, 3, 2, 1]);
    expect(s.shape).toEqual([8]);
    expect(s.data[3]).toBeCloseTo(4 / 20, 7);
    expect(K.setupFilter([1, 3, 3, 1], { separable: true }).shape).toEqual([4]);
    // None is [1], which (1 tap, not separable) becomes the 1×1 outer product, as the official.
    expect(K.setupFilter(null).shape).toEqual([1, 1]);
  });

  it('flips, and scales by gain^(ndim/2)', () => {
    const f = K.setupFilter([1, 2, 4], { normalize: false, flipFilter: true, gain: 4 });
    expect(f.shape).toEqual([3, 3]);
    // outer([4,2,1]) × 4 after the flip.
    expect(Array.from(f.data.slice(0, 3))).toEqual([64, 32, 16]);
    const s = K.setupFilter([1, 2, 4], { normalize: false, separable: true, gain: 4 });
    expect(Array.from(s.data)).toEqual([2, 4, 8]);
    const m = K.setupFilter([[1, 2], [3, 4]], { flipFilter: true });
    expect(Array.from(m.data)).toEqual([0.4, 0.3, 0.2, 0.1].map(Math.fround));
  });
});

describe('resampling helpers', () => {
  const fir = K.setupFilter([1, 3, 3, 1]);
  const f64 = Float64Array.from(fir.data);
  const x = [2, 3, 5, 6] as [number, number, number, number];

  it('upsample2d doubles the size with pad (2,1) and gain 4', async () => {
    await checkOp({
      label: 'upsample2d',
      inputs: [{ shape: x, data: randn(rng, 180) }],
      shape: [2, 3, 10, 12],
      gpu: (_rt, [t]) => K.upsample2d(t, fir),
      ref: ([t]) => upfirdn2dRef(t, x, f64, [4, 4], { up: [2, 2], down: [1, 1], pad: [2, 1, 2, 1], flip: false, gain: 4 }).data,
    });
  });

  it('downsample2d halves the size with pad (1,1)', async () => {
    await checkOp({
      label: 'downsample2d',
      inputs: [{ shape: [1, 3, 6, 8], data: randn(rng, 144) }],
      shape: [1, 3, 3, 4],
      gpu: (_rt, [t]) => K.downsample2d(t, fir),
      ref: ([t]) => upfirdn2dRef(t, [1, 3, 6, 8], f64, [4, 4], { up: [1, 1], down: [2, 2], pad: [1, 1, 1, 1], flip: false, gain: 1 }).data,
    });
  });

  it('filter2d keeps the size (odd 3×5 filter, extra padding on top)', async () => {
    const f = randn(rng, 15);
    await checkOp({
      label: 'filter2d',
      inputs: [
        { shape: [1, 2, 5, 7], data: randn(rng, 70) },
        { shape: [3, 5], data: f, grad: false },
      ],
      shape: [1, 2, 5 + 1, 7],
      gpu: (_rt, [t, ft]) => K.filter2d(t, ft, { padding: [0, 0, 1, 0] }),
      ref: ([t, ff]) => upfirdn2dRef(t, [1, 2, 5, 7], ff, [3, 5], { up: [1, 1], down: [1, 1], pad: [2, 2, 2, 1], flip: false, gain: 1 }).data,
    });
  });
});

describe('upfirdn2d kernel choice', () => {
  it('sends a filter none of whose taps lands on a real pixel to the direct kernel (the blocked one would have no loads and not compile)', async () => {
    const rt = await testRuntime();
    const keys: string[] = [];
    const dispatch = rt.dispatch.bind(rt);
    rt.dispatch = (k, a) => {
      keys.push(k.key);
      dispatch(k, a);
    };
    try {
      rt.tidy(() => {
        K.upfirdn2d(K.ones(rt, [1, 1, 5, 6]), K.ones(rt, [1, 1]), { up: 2, down: 2, padding: 1 });
        K.upfirdn2d(K.ones(rt, [1, 1, 4, 5]), K.ones(rt, [2, 2]), { up: 4, down: 4, padding: [2, 2, 0, 0] });
        K.upfirdn2d(K.ones(rt, [1, 1, 4, 5]), K.ones(rt, [2, 2]), { up: 2, down: 2, padding: 1 });
      });
    } finally {
      rt.dispatch = dispatch;
    }
    const upf = keys.filter((k) => k.startsWith('upfirdn2d|'));
    expect(upf.map((k) => k.split(':')[0])).toEqual(['upfirdn2d|direct', 'upfirdn2d|direct', 'upfirdn2d|blocked']);
  });
});

describe('upfirdn2d input checks', () => {
  it('throws naming the op and the shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [1, 2, 4, 4]);
      const f = K.zeros(rt, [2, 2]);
      expect(() => K.upfirdn2d(x, K.zeros(rt, [2, 2, 2]))).toThrow(/upfirdn2d: the filter must be \[taps\] or \[fh, fw\], got x \[1, 2, 4, 4\], filter \[2, 2, 2\]/);
      expect(() => K.upfirdn2d(K.zeros(rt, [2, 4, 4]), f)).toThrow(/upfirdn2d: x must be \[N, C, H, W\], got x \[2, 4, 4\]/);
      expect(() => K.upfirdn2d(x, f, { up: 0 })).toThrow(/upfirdn2d: up must be a positive integer.*x \[1, 2, 4, 4\]/);
      expect(() => K.upfirdn2d(x, f, { down: [2, 1.5] })).toThrow(/upfirdn2d: down must be/);
      expect(() => K.upfirdn2d(x, f, { padding: [1, 2, 3] as unknown as [number, number] })).toThrow(/upfirdn2d: padding must be/);
      expect(() => K.upfirdn2d(x, f, { padding: -2 })).toThrow(/upfirdn2d: the output would be -1×-1 \(x \[1, 2, 4, 4\], filter \[2, 2\]/);
      expect(() => K.downsample2d(x, K.zeros(rt, [1, 1, 4]))).toThrow(/downsample2d: the filter must be/);
    });
  });

  it('an unknown kernel variant is refused by name', async () => {
    const rt = await testRuntime();
    rt.variants.upfirdn2d = 'tiled';
    try {
      expect(() => rt.tidy(() => K.upfirdn2d(K.zeros(rt, [1, 1, 4, 4]), K.setupFilter([1, 3, 3, 1]), { up: 2 }))).toThrow(/upfirdn2d: unknown variant 'tiled'/);
    } finally {
      rt.variants = {};
    }
  });

  it('a CPU filter is uploaded once and gives the same result as a tensor', async () => {
    const rt = await testRuntime();
    const fir = K.setupFilter([1, 2, 1]);
    const data = Float32Array.from(randn(rng, 2 * 3 * 4 * 5));
    const [a, b] = await rt.tidyAsync(async () => {
      const x = rt.tensor(data, [2, 3, 4, 5]);
      const before = rt.liveTensors;
      const y1 = K.upsample2d(x, fir);
      const y2 = K.upsample2d(x, fir);
      const y3 = K.upsample2d(x, rt.tensor(fir.data, [...fir.shape]));
      expect(rt.liveTensors - before).toBe(5); // three outputs, one cached filter, one explicit filter
      return [await y1.read(), await y3.read(), await y2.read()];
    });
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

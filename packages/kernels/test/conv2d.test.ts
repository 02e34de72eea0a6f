import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import type { Runtime } from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime, withVariant } from '../src/testing/vitest/index.js';
import {
  conv2dGradRef,
  conv2dOutShape,
  conv2dRef,
  convTranspose2dGradRef,
  convTranspose2dOutShape,
  convTranspose2dRef,
  type ConvRefGeometry,
} from './reference/conv2d.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

interface Case {
  label: string;
  x: number[];
  w: number[];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
  outputPadding?: [number, number];
  bias?: boolean;
  /** Check the backward by finite differences of the reference instead of its analytic gradient. */
  finiteDifferences?: boolean;
}

const geometry = (c: Case): ConvRefGeometry => ({
  x: c.x,
  w: c.w,
  stride: c.stride ?? [1, 1],
  padding: c.padding ?? [0, 0],
  dilation: c.dilation ?? [1, 1],
  groups: c.groups ?? 1,
  outputPadding: c.outputPadding,
});
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function inputs(c: Case, biasLen: number) {
  return [
    { shape: c.x, data: randn(rng, size(c.x)) },
    { shape: c.w, data: randn(rng, size(c.w), 0.5) },
    ...(c.bias ? [{ shape: [biasLen], data: randn(rng, biasLen) }] : []),
  ];
}

const convCases: Case[] = [
  { label: '3×3 s1 p1, 3→5, batch 1 (finite differences)', x: [1, 3, 5, 6], w: [5, 3, 3, 3], padding: [1, 1], bias: true, finiteDifferences: true },
  { label: '3×3 s2 p1, 5→7, batch 3', x: [3, 5, 7, 8], w: [7, 5, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
  { label: '1×1 ToRGB-like 7→3, batch 2', x: [2, 7, 5, 9], w: [3, 7, 1, 1], bias: true },
  { label: '4×3 kernel, stride [2,1], padding [2,0], groups 2, 6→4', x: [1, 6, 9, 7], w: [4, 3, 4, 3], stride: [2, 1], padding: [2, 0], groups: 2 },
  { label: 'depthwise groups = C = 5, 3×3, padding 2, dilation 2', x: [2, 5, 6, 7], w: [5, 1, 3, 3], padding: [2, 2], dilation: [2, 2], groups: 5, bias: true },
  { label: 'groups = C = 3 with channel multiplier 2', x: [1, 3, 6, 5], w: [6, 1, 3, 3], padding: [1, 1], groups: 3 },
  { label: 'stride 2 no padding (downsampling path), 3→5', x: [3, 3, 9, 8], w: [5, 3, 3, 3], stride: [2, 2] },
  { label: '11 output channels (8-channel blocks, one partial), 9 in, padding 2', x: [2, 9, 5, 6], w: [11, 9, 3, 3], padding: [2, 2], bias: true },
  { label: '5×5 kernel wider than the image with padding [2, 3]', x: [1, 2, 4, 3], w: [3, 2, 5, 5], padding: [2, 3] },
  { label: 'groups 2 with 9 outputs each, stride 2, padding 1, batch 2', x: [2, 6, 7, 9], w: [18, 3, 3, 3], stride: [2, 2], padding: [1, 1], groups: 2, bias: true },
  { label: 'groups 2 with 70 outputs each over 9×8 pixels (ragged 64-wide tiles both ways), batch 2', x: [2, 6, 9, 8], w: [140, 3, 3, 3], padding: [1, 1], groups: 2, bias: true },
];

/** Every case runs with each kernel shape (`shuffle` needs 8-lane subgroups; without them, forcing it must fail by name). */
const VARIANTS = ['shuffle', 'regblock', 'tiled'] as const;
const forced = (variant: string, body: () => Promise<void>) => withVariant('conv2d', variant, (rt) => K.conv2d(K.zeros(rt, [1, 8, 3, 3]), K.zeros(rt, [8, 8, 1, 1])), body);

for (const variant of VARIANTS) describe(`conv2d (${variant}) vs float64 (PyTorch semantics)`, () => {
  for (const c of convCases) {
    it(c.label, () => forced(variant, async () => {
      const geo = geometry(c);
      await checkOp({
        label: `conv2d ${c.label}`,
        inputs: inputs(c, c.w[0]),
        shape: conv2dOutShape(geo),
        gpu: (_rt, [x, w, b]) => K.conv2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }),
        ref: ([x, w, b]) => conv2dRef(x, w, b, geo),
        refGrad: c.finiteDifferences ? undefined : ([x, w, b], g) => conv2dGradRef(x, w, b, g, geo),
      });
    }));
  }

  it('64→64 channels 3×3 at 16×16, batch 2 (long K loop)', () => forced(variant, async () => {
    const c: Case = { label: '64→64', x: [2, 64, 16, 16], w: [64, 64, 3, 3], padding: [1, 1], bias: true };
    const geo = geometry(c);
    await checkOp({
      label: 'conv2d 64→64 16×16',
      inputs: inputs(c, 64),
      shape: conv2dOutShape(geo),
      gpu: (_rt, [x, w, b]) => K.conv2d(x, w, b, { padding: 1 }),
      ref: ([x, w, b]) => conv2dRef(x, w, b, geo),
      refGrad: ([x, w, b], g) => conv2dGradRef(x, w, b, g, geo),
    });
  }));
});

const transposedCases: Case[] = [
  { label: '3×3 stride 2 no padding (StyleGAN2 up path), 5→3, batch 2', x: [2, 5, 4, 5], w: [5, 3, 3, 3], stride: [2, 2] },
  { label: '3×3 stride 2 padding 1 outputPadding 1, bias (finite differences)', x: [1, 3, 3, 4], w: [3, 2, 3, 3], stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], bias: true, finiteDifferences: true },
  { label: '4×3 kernel, stride [2,1], padding [1,0], groups 2, 4→6', x: [1, 4, 5, 6], w: [4, 3, 4, 3], stride: [2, 1], padding: [1, 0], groups: 2, bias: true },
  { label: 'depthwise groups = C = 3, stride 2', x: [3, 3, 4, 4], w: [3, 1, 3, 3], stride: [2, 2], groups: 3 },
  { label: 'stride 1 padding 1, 7→5, batch 3', x: [3, 7, 5, 4], w: [7, 5, 3, 3], padding: [1, 1], bias: true },
  { label: 'stride 3, dilation 2, outputPadding 2, 1×1 input channels 5→7', x: [1, 5, 3, 4], w: [5, 7, 2, 3], stride: [3, 3], dilation: [2, 2], outputPadding: [2, 1] },
  { label: '11 output channels per group (8-channel blocks), 6 in, stride 2', x: [2, 6, 3, 5], w: [6, 11, 3, 3], stride: [2, 2], bias: true },
];

for (const variant of VARIANTS) describe(`convTranspose2d (${variant}) vs float64 (PyTorch semantics)`, () => {
  for (const c of transposedCases) {
    it(c.label, () => forced(variant, async () => {
      const geo = geometry(c);
      await checkOp({
        label: `convTranspose2d ${c.label}`,
        inputs: inputs(c, c.w[1] * (c.groups ?? 1)),
        shape: convTranspose2dOutShape(geo),
        gpu: (_rt, [x, w, b]) =>
          K.convTranspose2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, outputPadding: c.outputPadding }),
        ref: ([x, w, b]) => convTranspose2dRef(x, w, b, geo),
        refGrad: c.finiteDifferences ? undefined : ([x, w, b], g) => convTranspose2dGradRef(x, w, b, g, geo),
      });
    }));
  }
});

/**
 * Transposed convolutions run as correlations with the flipped, channel-swapped weight on the
 * conv2d gather (`correlation`: one at stride 1, one per output phase at stride > 1), or as the
 * transposed gather (`gather`): every case under each path and each conv2d kernel shape, at
 * channel counts off the 4- and 8-channel blocks.
 */
const correlationCases: Case[] = [
  { label: '3×3 p1, 13→11, batch 3, 7×9', x: [3, 13, 7, 9], w: [13, 11, 3, 3], padding: [1, 1], bias: true },
  { label: '3×3 p0 (grows the image), 5→9, batch 1, 5×6', x: [1, 5, 5, 6], w: [5, 9, 3, 3] },
  { label: '1×1 p0, 10→17, batch 3, 5×7', x: [3, 10, 5, 7], w: [10, 17, 1, 1], bias: true },
  { label: '1×1 p0, 9→3 (ToRGB-like adjoint), batch 1, 3×5', x: [1, 9, 3, 5], w: [9, 3, 1, 1] },
  { label: '2×3 kernel, padding [1, 0], 6→20, batch 3, 4×5', x: [3, 6, 4, 5], w: [6, 20, 2, 3], padding: [1, 0], bias: true },
  { label: 'groups 2 with 9 outputs each, 3×3 p1, batch 1, 5×7', x: [1, 6, 5, 7], w: [6, 9, 3, 3], padding: [1, 1], groups: 2, bias: true },
  { label: '3×3 p1 dilation 2, 7→5, batch 3, 6×5', x: [3, 7, 6, 5], w: [7, 5, 3, 3], padding: [1, 1], dilation: [2, 2] },
  { label: '3×3 p1, 5→70 over 9×8 (ragged 64-wide tiles), batch 1', x: [1, 5, 9, 8], w: [5, 70, 3, 3], padding: [1, 1], bias: true },
  { label: '1×1 padding 1 (crops: padding > k − 1, always the gather), 4→9, batch 3', x: [3, 4, 5, 6], w: [4, 9, 1, 1], padding: [1, 1] },
  { label: '3×3 stride 2 p0 (StyleGAN2-D conv1 backward), 13→11, batch 3, 5×6', x: [3, 13, 5, 6], w: [13, 11, 3, 3], stride: [2, 2], bias: true },
  { label: '3×3 stride 2 p1 outputPadding 1, 6→9, batch 1, 4×5', x: [1, 6, 4, 5], w: [6, 9, 3, 3], stride: [2, 2], padding: [1, 1], outputPadding: [1, 1] },
  { label: '4×4 stride 2 p1 (even kernel), 5→7, batch 3, 3×5', x: [3, 5, 3, 5], w: [5, 7, 4, 4], stride: [2, 2], padding: [1, 1], bias: true },
  { label: '2×3 kernel stride [2, 1] padding [0, 1], groups 2 with 9 outputs each, batch 1, 4×5', x: [1, 4, 4, 5], w: [4, 9, 2, 3], stride: [2, 1], padding: [0, 1], groups: 2 },
  { label: '3×3 stride 3 p2 outputPadding [1, 2] (phases of one tap, negative padding), 5→10, batch 3, 4×3', x: [3, 5, 4, 3], w: [5, 10, 3, 3], stride: [3, 3], padding: [2, 2], outputPadding: [1, 2], bias: true },
  { label: '1×1 stride 2 (phases without taps: always the gather), 3→9, batch 1, 3×4', x: [1, 3, 3, 4], w: [3, 9, 1, 1], stride: [2, 2], outputPadding: [1, 0] },
];

/** The kernel keys an op dispatches. */
async function kernelKeys(body: (rt: Runtime) => void): Promise<string[]> {
  const rt = await testRuntime();
  const keys: string[] = [];
  const dispatch = rt.dispatch.bind(rt);
  rt.dispatch = (k, a) => {
    keys.push(k.key);
    dispatch(k, a);
  };
  try {
    rt.tidy(() => body(rt));
  } finally {
    rt.dispatch = dispatch;
  }
  return keys;
}

for (const variant of VARIANTS) {
  for (const path of ['correlation', 'gather'] as const) {
    describe(`convTranspose2d as ${path} (conv2d ${variant}) vs float64`, () => {
      for (const c of correlationCases) {
        it(c.label, () => forced(variant, async () => {
          const rt = await testRuntime();
          rt.variants.convTranspose2d = path;
          const geo = geometry(c);
          const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, outputPadding: c.outputPadding };
          // The path really taken: the relayout plus a conv2d gather, or the transposed gather.
          const [s, p, d, op] = [c.stride ?? [1, 1], c.padding ?? [0, 0], c.dilation ?? [1, 1], c.outputPadding ?? [0, 0]];
          const fits = s.every((v) => v === 1)
            ? [0, 1].every((a) => op[a] === 0 && p[a] <= d[a] * (c.w[2 + a] - 1))
            : variant !== 'tiled' && [0, 1].every((a) => d[a] === 1 && c.w[2 + a] >= s[a]);
          const keys = await kernelKeys((r) => K.convTranspose2d(K.zeros(r, c.x), K.zeros(r, c.w), null, opts));
          expect(keys.includes('convTranspose2d|flipWeight')).toBe(path === 'correlation' && fits);
          expect(keys.some((k) => k.startsWith('convTranspose2d|transposed'))).toBe(!(path === 'correlation' && fits));
          await checkOp({
            label: `convTranspose2d (${path}, ${variant}) ${c.label}`,
            inputs: inputs(c, c.w[1] * (c.groups ?? 1)),
            shape: convTranspose2dOutShape(geo),
            gpu: (_rt, [x, w, b]) => K.convTranspose2d(x, w, b, opts),
            ref: ([x, w, b]) => convTranspose2dRef(x, w, b, geo),
            refGrad: ([x, w, b], g) => convTranspose2dGradRef(x, w, b, g, geo),
          });
        }));
      }
    });
  }
}

describe('conv input checks', () => {
  it('throw naming the op and the shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [1, 4, 5, 5]);
      expect(() => K.conv2d(x, K.zeros(rt, [3, 3, 3, 3]))).toThrow(/conv2d: x has 4 channels but w expects 3·1 groups = 3 \(x \[1, 4, 5, 5\], w \[3, 3, 3, 3\]\)/);
      expect(() => K.conv2d(x, K.zeros(rt, [3, 2, 3, 3]), null, { groups: 2 })).toThrow(/conv2d: groups 2 must divide the 4 input and 3 output channels/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3, 3]), null, { groups: 3 })).toThrow(/conv2d: groups 3 must divide/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3, 3]), K.zeros(rt, [5]))).toThrow(/conv2d: bias must be a vector of 6 output channels \(x \[1, 4, 5, 5\], w \[6, 4, 3, 3\], bias \[5\]\)/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3]))).toThrow(/conv2d: w must be rank 4 \(x \[1, 4, 5, 5\], w \[6, 4, 3\]\)/);
      expect(() => K.conv2d(K.zeros(rt, [4, 5, 5]), K.zeros(rt, [6, 4, 3, 3]))).toThrow(/conv2d: x must be \[N, C, H, W\]/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3, 3]), null, { stride: 0 })).toThrow(/conv2d: stride must be an integer ≥ 1/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3, 3]), null, { padding: -1 })).toThrow(/conv2d: padding must be an integer ≥ 0/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 7, 7]))).toThrow(/conv2d: the output would be -1×-1/);
      expect(() => K.conv2d(x, K.zeros(rt, [6, 4, 3, 3]), null, { groups: 0 })).toThrow(/conv2d: groups must be a positive integer/);
      expect(() => K.convTranspose2d(x, K.zeros(rt, [3, 2, 3, 3]))).toThrow(/convTranspose2d: x has 4 channels but w is for 3 input channels/);
      expect(() => K.convTranspose2d(x, K.zeros(rt, [4, 2, 3, 3]), null, { groups: 3 })).toThrow(/convTranspose2d: groups 3 must divide the 4 input channels/);
      expect(() => K.convTranspose2d(x, K.zeros(rt, [4, 2, 3, 3]), null, { groups: 2, stride: 2 })).not.toThrow();
      expect(() => K.convTranspose2d(x, K.zeros(rt, [4, 2, 3, 3]), K.zeros(rt, [2]), { groups: 2 })).toThrow(/convTranspose2d: bias must be a vector of 4 output channels/);
      expect(() => K.convTranspose2d(x, K.zeros(rt, [4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 })).toThrow(/convTranspose2d: outputPadding 2 must be smaller than the stride 2 or the dilation 1/);
    });
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn, TOLERANCE } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, expectClose, testRuntime } from '../src/testing/vitest/index.js';
import { type Mode, resizeRef } from './reference/resize.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

interface Fixture {
  mode: Mode;
  alignCorners: boolean;
  antialias: boolean;
  inShape: number[];
  outSize: [number, number];
  input: number[];
  output: number[];
}
const fixtures = (JSON.parse(readFileSync(new URL('../fixtures/resize/cases.json', import.meta.url), 'utf8')) as { cases: Fixture[] }).cases;
const describeCase = (c: { mode: Mode; alignCorners: boolean; antialias: boolean; inShape: number[]; outSize: number[] }) =>
  `${c.mode}${c.alignCorners ? ' alignCorners' : ''}${c.antialias ? ' antialias' : ''} ${JSON.stringify(c.inShape)} → ${JSON.stringify(c.outSize)}`;

describe('resize vs torch 1.13 (fixtures/resize/cases.json)', () => {
  for (const c of fixtures) {
    it(describeCase(c), async () => {
      const rt = await testRuntime();
      const y = await rt.tidy(() =>
        K.resize(rt.tensor(c.input, c.inShape), c.outSize, { mode: c.mode, alignCorners: c.alignCorners, antialias: c.antialias }),
      ).read();
      expectClose(y, c.output, TOLERANCE.forward, `${describeCase(c)} vs torch`);
      // The float64 reference agrees with torch too (so the finite-difference checks below test torch's op).
      const [N, C, H, W] = c.inShape;
      const ref = resizeRef(Float64Array.from(c.input), N * C, H, W, c.outSize[0], c.outSize[1], c.mode, c.alignCorners, c.antialias);
      expectClose(ref, c.output, TOLERANCE.forward, `${describeCase(c)} reference vs torch`);
    });
  }
});

const cases: Array<{ mode: Mode; alignCorners?: boolean; antialias?: boolean; inShape: number[]; outSize: [number, number] }> = [
  { mode: 'bilinear', inShape: [1, 2, 4, 5], outSize: [7, 3] },
  { mode: 'bilinear', inShape: [2, 1, 9, 7], outSize: [4, 4], antialias: true },
  { mode: 'bilinear', inShape: [3, 4, 6], outSize: [5, 11], alignCorners: true }, // rank 3
  { mode: 'bicubic', inShape: [1, 1, 5, 6], outSize: [9, 13] },
  { mode: 'bicubic', inShape: [2, 3, 3], outSize: [2, 7], alignCorners: true },
  { mode: 'bicubic', inShape: [1, 1, 17, 12], outSize: [5, 3], antialias: true }, // downscale ×3.4 / ×4
  { mode: 'bicubic', inShape: [1, 2, 4, 3], outSize: [6, 7], antialias: true }, // antialias while upscaling
  { mode: 'nearest', inShape: [1, 2, 5, 4], outSize: [3, 9] },
  { mode: 'bilinear', inShape: [2, 1, 1, 6], outSize: [4, 6] }, // one axis unchanged, a 1-pixel axis
];

describe('resize forward vs float64, backward vs finite differences', () => {
  for (const c of cases) {
    it(describeCase({ alignCorners: false, antialias: false, ...c }), async () => {
      const [H, W] = c.inShape.slice(-2);
      const planes = c.inShape.slice(0, -2).reduce((a, b) => a * b, 1);
      await checkOp({
        label: describeCase({ alignCorners: false, antialias: false, ...c }),
        inputs: [{ shape: c.inShape, data: randn(rng, planes * H * W) }],
        shape: [...c.inShape.slice(0, -2), ...c.outSize],
        gpu: (_rt, [x]) => K.resize(x, c.outSize, c),
        ref: ([x]) => resizeRef(x, planes, H, W, c.outSize[0], c.outSize[1], c.mode, !!c.alignCorners, !!c.antialias),
      });
    });
  }

  it('same size is a copy, and repeated calls reuse the cached tables', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    const same = K.resize(x, [2, 3], { mode: 'bicubic' });
    expect(same).not.toBe(x);
    expect(Array.from(await same.read())).toEqual([1, 2, 3, 4, 5, 6]);
    same.dispose();
    rt.tidy(() => void K.resize(x, [5, 4]));
    const live = rt.liveTensors;
    const pipelines = rt.pipelineCount;
    for (let i = 0; i < 3; i++) rt.tidy(() => void K.resize(x, [5, 4]));
    expect(rt.liveTensors).toBe(live);
    expect(rt.pipelineCount).toBe(pipelines);
    x.dispose();
  });

  it('rejects bad sizes, modes and flags before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [1, 1, 4, 4]);
      expect(() => K.resize(x, [0, 3])).toThrow(/resize: output size must be two positive integers \(x \[1, 1, 4, 4\] to \[0, 3\]\)/);
      expect(() => K.resize(x, [2.5, 3])).toThrow(/resize: output size must be two positive integers/);
      expect(() => K.resize(x, [2, 2], { mode: 'area' as K.ResizeMode })).toThrow(/resize: unknown mode 'area'/);
      expect(() => K.resize(x, [2, 2], { mode: 'nearest', antialias: true })).toThrow(/resize: mode 'nearest' takes neither alignCorners nor antialias/);
      expect(() => K.resize(x, [2, 2], { antialias: true, alignCorners: true })).toThrow(/resize: antialias with alignCorners is not supported/);
      expect(() => K.resize(K.zeros(rt, [4]), [2, 2])).toThrow(/resize: x must be \[\.\.\., H, W\] \(x \[4\] to \[2, 2\]\)/);
      expect(() => K.resize(rt.tensor([1, 2, 3, 4], [2, 2], 'i32'), [3, 3])).toThrow(/resize: expected an f32 tensor, got i32/);
    });
  });
});

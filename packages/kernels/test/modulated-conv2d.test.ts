import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import type { ModulatedConv2dVariant } from '../src/ops/modulated-conv2d.js';
import { makeRng, randn, TOLERANCE, uniform } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, expectClose, testRuntime, withVariant } from '../src/testing/vitest/index.js';
import { modulatedConv2dRef, setupFilterRef } from './reference/modulated-conv2d.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

interface Case {
  N: number;
  I: number;
  O: number;
  k: number;
  H: number;
  W: number;
  demodulate: boolean;
  up?: number;
  down?: number;
  flipWeight?: boolean;
  padding?: number | [number, number, number, number];
  /** Noise batch (N or 1), or none. */
  noise?: number;
  /** Scale of the styles (tiny styles make the 1e-8 inside the rsqrt matter). Default 1.5. */
  sScale?: number;
  /** Check the gradients too (finite differences of the float64 reference; keep these small). */
  grad: boolean;
}

const cases: Case[] = [
  // up = down = 1
  { N: 1, I: 3, O: 5, k: 3, H: 5, W: 4, demodulate: true, grad: true },
  { N: 3, I: 5, O: 3, k: 3, H: 4, W: 5, demodulate: true, flipWeight: false, grad: true },
  { N: 3, I: 8, O: 13, k: 3, H: 8, W: 8, demodulate: false, grad: true },
  { N: 3, I: 13, O: 8, k: 3, H: 8, W: 5, demodulate: true, grad: false },
  { N: 3, I: 13, O: 3, k: 1, H: 5, W: 5, demodulate: false, grad: true }, // ToRGB-like
  { N: 1, I: 5, O: 8, k: 1, H: 4, W: 4, demodulate: true, grad: true },
  { N: 3, I: 3, O: 5, k: 3, H: 5, W: 8, demodulate: true, padding: [2, 0, 1, 0], grad: true }, // asymmetric padding
  { N: 3, I: 5, O: 5, k: 3, H: 4, W: 4, demodulate: true, noise: 3, grad: true },
  { N: 3, I: 3, O: 5, k: 1, H: 4, W: 5, demodulate: true, sScale: 1e-4, grad: true }, // Σ(w·s)² ~ eps
  // Even and wide taps with odd padding: the stride-1 adjoint runs as a flipped correlation with padding k − 1 − p.
  { N: 2, I: 5, O: 9, k: 4, H: 6, W: 7, demodulate: true, padding: [1, 2, 2, 0], grad: true },
  { N: 1, I: 3, O: 8, k: 5, H: 7, W: 6, demodulate: false, padding: 1, grad: true },
  // Rows of ≥ 16: 8 pixels per lane in the shuffle correlation, with a ragged last block.
  { N: 2, I: 9, O: 10, k: 3, H: 4, W: 21, demodulate: true, grad: true },
  // up = 2 (transposed conv + FIR): the synthesis network's flipWeight = false, and the official default
  { N: 1, I: 3, O: 5, k: 3, H: 4, W: 4, demodulate: true, up: 2, flipWeight: false, grad: true },
  { N: 3, I: 5, O: 3, k: 3, H: 5, W: 4, demodulate: true, up: 2, flipWeight: true, grad: true },
  { N: 3, I: 8, O: 13, k: 3, H: 8, W: 5, demodulate: true, up: 2, flipWeight: false, grad: false },
  { N: 3, I: 8, O: 5, k: 1, H: 4, W: 5, demodulate: false, up: 2, flipWeight: false, grad: true },
  { N: 3, I: 5, O: 3, k: 3, H: 4, W: 4, demodulate: true, up: 2, flipWeight: false, noise: 1, grad: true },
  { N: 2, I: 3, O: 9, k: 3, H: 4, W: 3, demodulate: true, up: 2, flipWeight: false, grad: true }, // ≥ 8 outputs: the shuffle weight gradient
  // Every column phase in one lane (the shuffle up kernel): several blocks, padding 0 (the other tap phase), 4×4 taps.
  { N: 2, I: 5, O: 9, k: 3, H: 5, W: 9, demodulate: true, up: 2, flipWeight: false, grad: true },
  { N: 1, I: 3, O: 8, k: 3, H: 4, W: 6, demodulate: true, up: 2, padding: 0, flipWeight: false, grad: true },
  { N: 1, I: 3, O: 8, k: 4, H: 4, W: 5, demodulate: false, up: 2, grad: true },
  // Batch 2 on ≥ 128×128 outputs: the scales fold into per-sample relaid weights (forward here; gradients below).
  { N: 2, I: 3, O: 9, k: 3, H: 129, W: 128, demodulate: true, grad: false },
  { N: 2, I: 3, O: 5, k: 3, H: 64, W: 64, demodulate: true, up: 2, flipWeight: false, grad: false },
  // down = 2 (FIR + strided conv)
  { N: 1, I: 5, O: 3, k: 3, H: 8, W: 8, demodulate: true, down: 2, grad: true },
  { N: 3, I: 3, O: 5, k: 3, H: 5, W: 5, demodulate: false, down: 2, flipWeight: false, grad: true },
  { N: 3, I: 13, O: 8, k: 3, H: 8, W: 5, demodulate: true, down: 2, grad: false },
  { N: 3, I: 13, O: 3, k: 1, H: 8, W: 5, demodulate: true, down: 2, grad: true },
  { N: 2, I: 3, O: 9, k: 3, H: 6, W: 5, demodulate: false, down: 2, grad: true },
  { N: 2, I: 3, O: 9, k: 3, H: 6, W: 38, demodulate: true, down: 2, grad: true }, // stride 2, rows of 19
];

function label(c: Case): string {
  return (
    `N${c.N} ${c.I}→${c.O} ${c.k}×${c.k} ${c.H}×${c.W}${c.demodulate ? ' demod' : ''}${c.up ? ` up${c.up}` : ''}${c.down ? ` down${c.down}` : ''}` +
    `${c.flipWeight === undefined ? '' : ` flipWeight=${c.flipWeight}`}${c.padding !== undefined ? ` pad ${JSON.stringify(c.padding)}` : ''}${c.noise ? ` noise[${c.noise}]` : ''}${c.sScale ? ` styles ±${c.sScale}` : ''}`
  );
}

function refOptions(c: Case) {
  const p = c.padding ?? Math.floor(c.k / 2);
  return {
    N: c.N,
    I: c.I,
    O: c.O,
    H: c.H,
    W: c.W,
    kh: c.k,
    kw: c.k,
    demodulate: c.demodulate,
    up: c.up ?? 1,
    down: c.down ?? 1,
    padding: (typeof p === 'number' ? [p, p, p, p] : p) as [number, number, number, number],
    flipWeight: c.flipWeight ?? true,
    ...setupFilterRef([1, 3, 3, 1]),
  };
}

function gpuOptions(c: Case, noise?: K.Tensor): K.ModulatedConv2dOptions {
  return { demodulate: c.demodulate, up: c.up, down: c.down, flipWeight: c.flipWeight, padding: c.padding, noise };
}

/** Every reference case runs with each kernel shape (`shuffle` needs 8-lane subgroups; without them, forcing it must fail by name). */
const VARIANTS = ['shuffle', 'regblock', 'tiled'] as const;
const forced = (variant: string, body: () => Promise<void>) => withVariant('modulatedConv2d', variant, (rt) => K.modulatedConv2d(K.zeros(rt, [1, 8, 3, 3]), K.zeros(rt, [8, 8, 3, 3]), K.ones(rt, [1, 8])), body);

for (const variant of VARIANTS) describe(`modulatedConv2d (${variant}) vs the float64 modulated_conv2d / conv2d_resample reference`, () => {
  for (const c of cases) {
    it(label(c), () => forced(variant, async () => {
      const o = refOptions(c);
      const x = randn(rng, c.N * c.I * c.H * c.W);
      const w = randn(rng, c.O * c.I * c.k * c.k);
      const s = uniform(rng, c.N * c.I, -(c.sScale ?? 1.5), c.sScale ?? 1.5);
      const { Ho, Wo } = modulatedConv2dRef(x, w, s, o);
      const inputs = [
        { shape: [c.N, c.I, c.H, c.W], data: x },
        { shape: [c.O, c.I, c.k, c.k], data: w },
        { shape: [c.N, c.I], data: s },
        ...(c.noise ? [{ shape: [c.noise, 1, Ho, Wo], data: randn(rng, c.noise * Ho * Wo) }] : []),
      ];
      await checkOp({
        label: label(c),
        inputs,
        shape: [c.N, c.O, Ho, Wo],
        gpu: (_rt, [xt, wt, st, nt]) => K.modulatedConv2d(xt, wt, st, gpuOptions(c, nt)),
        ref: ([xr, wr, sr, nr]) => modulatedConv2dRef(xr, wr, sr, o, nr).out,
        noBackward: !c.grad,
      });
    }));
  }
});

for (const variant of VARIANTS) describe(`modulatedConv2dUnfused (${variant}: materialised weights, grouped conv)`, () => {
  for (const c of [cases[3], cases[10], cases[15], cases[4]]) {
    it(`agrees with the reference: ${label(c)}`, () => forced(variant, async () => {
      const rt = await testRuntime();
      const o = refOptions(c);
      const x = Float64Array.from(Float32Array.from(randn(rng, c.N * c.I * c.H * c.W)));
      const w = Float64Array.from(Float32Array.from(randn(rng, c.O * c.I * c.k * c.k)));
      const s = Float64Array.from(Float32Array.from(uniform(rng, c.N * c.I, -1.5, 1.5)));
      const expected = modulatedConv2dRef(x, w, s, o).out;
      const got = await rt.tidyAsync(async () => {
        const args = [rt.tensor(Float32Array.from(x), [c.N, c.I, c.H, c.W]), rt.tensor(Float32Array.from(w), [c.O, c.I, c.k, c.k]), rt.tensor(Float32Array.from(s), [c.N, c.I])] as const;
        const fused = await K.modulatedConv2d(...args, gpuOptions(c)).read();
        const unfused = await K.modulatedConv2dUnfused(...args, gpuOptions(c)).read();
        return { fused, unfused };
      });
      expectClose(got.unfused, expected, TOLERANCE.forward, `unfused ${label(c)}`);
      expectClose(got.fused, got.unfused, TOLERANCE.forward, `fused vs unfused ${label(c)}`);
    }));
  }
});

describe('modulatedConv2d at a synthesis-layer size', () => {
  it('64 channels, 16×16, batch 2, up 2: the fused route agrees with the unfused one everywhere', async () => {
    // Too big for a full float64 reference in a test: check the fused forward against the
    // unfused route everywhere, which the small cases tie to the reference.
    const rt = await testRuntime();
    const [N, C, H] = [2, 64, 16];
    const x = randn(rng, N * C * H * H);
    const w = randn(rng, C * C * 9);
    const s = uniform(rng, N * C, 0.5, 1.5);
    const opts = { up: 2, flipWeight: false };
    const got = await rt.tidyAsync(async () => {
      const args = [rt.tensor(Float32Array.from(x), [N, C, H, H]), rt.tensor(Float32Array.from(w), [C, C, 3, 3]), rt.tensor(Float32Array.from(s), [N, C])] as const;
      return { fused: await K.modulatedConv2d(...args, opts).read(), unfused: await K.modulatedConv2dUnfused(...args, opts).read() };
    });
    expect(got.fused.length).toBe(N * C * 4 * H * H);
    expectClose(got.fused, got.unfused, TOLERANCE.forward, 'fused vs unfused at 64 channels');
  });
});

describe('modulatedConv2d: the shuffle, tiled and regblock forms agree (72 channels; batch 2 at 129×128)', () => {
  // Enough channels for every lane of a subgroup to own its own input channels (72 / 4 = 18 lanes),
  // for several output-channel blocks, and for ragged 64-wide tiles in channels and pixels (72 of
  // each), which the small reference cases above cannot reach.
  const shapes = [
    { up: 1, N: 2, C: 72, O: 72, H: 9, W: 8 },
    { up: 2, N: 2, C: 72, O: 72, H: 9, W: 8 },
    // Outputs of 129×128 at batch 2: shuffle and regblock fold the scales into per-sample weights
    // (the adjoint too), tiled scales inside its kernel.
    { up: 1, N: 2, C: 5, O: 9, H: 129, W: 128 },
  ];
  for (const { up, N, C, O, H, W } of shapes) {
    it(`N${N} ${C}→${O} 3×3 ${H}×${W} demod${up === 2 ? ' up2' : ''}: forward and every gradient`, async () => {
      const rt = await testRuntime();
      const x = Float32Array.from(randn(rng, N * C * H * W));
      const w = Float32Array.from(randn(rng, O * C * 9));
      const s = Float32Array.from(uniform(rng, N * C, 0.5, 1.5));
      const opts = { up, flipWeight: up === 1 };
      const run = (variant: ModulatedConv2dVariant) =>
        rt.tidyAsync(async () => {
          rt.variants.modulatedConv2d = variant;
          try {
            const [xt, wt, st] = [rt.tensor(x, [N, C, H, W]), rt.tensor(w, [O, C, 3, 3]), rt.tensor(s, [N, C])];
            for (const t of [xt, wt, st]) t.requiresGrad = true;
            const z = K.modulatedConv2d(xt, wt, st, opts);
            const g = rt.tensor(Float32Array.from(randn(makeRng(7), z.size)), z.shape);
            K.backward(z, g);
            const result = [await z.read(), await xt.grad!.read(), await wt.grad!.read(), await st.grad!.read()];
            for (const leaf of [xt, wt, st]) leaf.dispose(); // and their gradients
            return result;
          } finally {
            rt.variants = {};
          }
        });
      const blocked = await run('regblock');
      // shuffle needs 8-lane subgroups; the reference cases cover regblock and tiled without them.
      const others: ModulatedConv2dVariant[] = rt.subgroupMinSize >= 8 ? ['shuffle', 'tiled'] : ['tiled'];
      for (const variant of others) {
        const got = await run(variant);
        // f32 computations of the same sums in different orders: forward tolerance throughout.
        const names = ['forward', 'dx', 'dweight', 'dstyles'];
        names.forEach((name, k) => expectClose(got[k], blocked[k], TOLERANCE.forward, `${variant} vs regblock ${name}`));
      }
    });
  }
});

describe('modulatedConv2d rejects bad input before dispatching', () => {
  it('names the op and the shapes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3, 4, 4]);
      const w = K.zeros(rt, [5, 3, 3, 3]);
      const s = K.zeros(rt, [2, 3]);
      const shapes = /x \[2, 3, 4, 4\], weight \[5, 3, 3, 3\], styles \[2, 3\]/;
      expect(() => K.modulatedConv2d(x, w, K.zeros(rt, [2, 4]))).toThrow(/modulatedConv2d: styles must be \[N, I\] = \[2, 3\].*styles \[2, 4\]/);
      expect(() => K.modulatedConv2d(x, w, K.zeros(rt, [1, 3]))).toThrow(/modulatedConv2d: styles must be/);
      expect(() => K.modulatedConv2d(x, w, K.zeros(rt, [6]))).toThrow(/modulatedConv2d: styles must be/);
      expect(() => K.modulatedConv2d(x, K.zeros(rt, [5, 4, 3, 3]), s)).toThrow(/modulatedConv2d: weight has 4 input channels, x has 3/);
      expect(() => K.modulatedConv2d(K.zeros(rt, [2, 3, 16]), w, s)).toThrow(/modulatedConv2d: x must be \[N, I, H, W\]/);
      expect(() => K.modulatedConv2d(x, K.zeros(rt, [5, 3, 9]), s)).toThrow(/modulatedConv2d: weight must be \[O, I, kh, kw\]/);
      expect(() => K.modulatedConv2d(x, w, s, { up: 2, down: 2 })).toThrow(/modulatedConv2d: up and down together/);
      expect(() => K.modulatedConv2d(x, w, s, { up: 1.5 })).toThrow(/modulatedConv2d: up must be a positive integer/);
      expect(() => K.modulatedConv2d(x, w, s, { down: 0 })).toThrow(/modulatedConv2d: down must be a positive integer/);
      expect(() => K.modulatedConv2d(x, w, s, { padding: -1 })).toThrow(/modulatedConv2d: padding must be/);
      expect(() => K.modulatedConv2d(x, w, s, { padding: [1, 1] as unknown as number })).toThrow(shapes);
      expect(() => K.modulatedConv2d(x, K.zeros(rt, [5, 3, 7, 7]), s, { padding: 0 })).toThrow(/modulatedConv2d: the output would be empty/);
      expect(() => K.modulatedConv2d(x, w, s, { noise: K.zeros(rt, [2, 1, 5, 4]) })).toThrow(/modulatedConv2d: noise must be \[2 or 1, 1, 4, 4\], got \[2, 1, 5, 4\]/);
      expect(() => K.modulatedConv2d(x, w, s, { up: 2, noise: K.zeros(rt, [1, 1, 4, 4]) })).toThrow(/noise must be \[2 or 1, 1, 8, 8\]/);
      expect(() => K.modulatedConv2dUnfused(x, w, K.zeros(rt, [2, 4]))).toThrow(/modulatedConv2dUnfused: styles must be/);
      rt.variants.modulatedConv2d = 'winograd';
      try {
        expect(() => K.modulatedConv2d(x, w, s)).toThrow(/modulatedConv2d: unknown variant 'winograd' \(shuffle, regblock, tiled\)/);
      } finally {
        rt.variants = {};
      }
    });
  });
});

/**
 * Higher-order autograd: `grad(…, { createGraph: true })` and the double backward of every op the
 * StyleGAN2 discriminator uses (R1 is a gradient of a gradient).
 *
 * The check, per op f with inputs x and a random output gradient u: the first-order gradients
 * J(x, u) = Σ u·∂f/∂x come back from `grad` with graphs; S = Σ_k ⟨v_k, J_k⟩ for random v is then
 * differentiated by `backward`. Both are compared with float64: J with the analytic reference
 * gradients (or central differences of the forward reference), and ∂S/∂x, ∂S/∂u with central
 * differences of S computed from those first-order references.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import type { Runtime, Tensor } from '../src/index.node.js';
import { SEED, TOLERANCE, finiteDifferenceGrads, makeRng, randn, relError, uniform } from '../src/testing/index.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { type ConvRefGeometry, conv2dGradRef, conv2dOutShape, conv2dRef, convTranspose2dGradRef, convTranspose2dOutShape, convTranspose2dRef } from './reference/conv2d.js';
import { biasActGradRef, biasActRef, type BiasActRefOptions } from './reference/bias-act.js';
import { upfirdn2dRef } from './reference/upfirdn2d.js';
import { minibatchStdGradRef, minibatchStdRef } from './reference/minibatch-std.js';

afterAll(destroyTestRuntime);

interface SecondOrderCase {
  label: string;
  /** Float64 values (rounded to f32 before both sides see them); `grad: false` = a constant. */
  inputs: Array<{ shape: number[]; data: Float64Array; grad?: boolean }>;
  gpu: (rt: Runtime, xs: Tensor[]) => Tensor;
  /** Float64 forward. */
  ref: (xs: Float64Array[]) => Float64Array;
  /** Float64 Σ u·∂f/∂x per input (null for constants); central differences of `ref` when absent. */
  vjp?: (xs: Float64Array[], u: Float64Array) => Array<Float64Array | null>;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

/** max |gpu − ref| over max(|ref|∞, 1e-3 · the largest second-order gradient): exact zeros are compared at that scale. */
function expectSecondOrder(actual: ArrayLike<number>, expected: Float64Array, floor: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let scale = floor;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  const e = err / scale;
  expect(e, `${label}: relative error ${e.toExponential(2)} over ${TOLERANCE.backward} (seed ${SEED})`).toBeLessThanOrEqual(TOLERANCE.backward);
}

async function checkSecondOrder(c: SecondOrderCase): Promise<void> {
  const rt = await testRuntime();
  const rng = makeRng(SEED + c.label.length * 7919);
  const xs64 = c.inputs.map((i) => f32(i.data));
  const which = c.inputs.map((i) => i.grad !== false);
  const outSize = c.ref(xs64).length;
  const u64 = f32(randn(rng, outSize));
  const vs64 = xs64.map((x) => f32(randn(rng, x.length)));
  const vjp = (xs: Float64Array[], u: Float64Array) => (c.vjp ? c.vjp(xs, u) : finiteDifferenceGrads(c.ref, xs, u, which));
  // S(x, u) = Σ_k ⟨v_k, J_k(x, u)⟩, and its gradients by central differences.
  const S = (all: Float64Array[]) => {
    const J = vjp(all.slice(0, -1), all[all.length - 1]);
    let s = 0;
    J.forEach((j, k) => {
      if (j && which[k]) s += dot(j, vs64[k]);
    });
    return Float64Array.of(s);
  };
  const firstRef = vjp(xs64, u64);
  const secondRef = finiteDifferenceGrads(S, [...xs64, u64], Float64Array.of(1), [...which, true]);
  let floor = 0;
  for (const g of secondRef) if (g) for (const v of g) floor = Math.max(floor, 1e-3 * Math.abs(v));

  await rt.tidyAsync(async () => {
    const xs = c.inputs.map((inp, k) => {
      const t = rt.tensor(Float32Array.from(xs64[k]), inp.shape);
      t.requiresGrad = which[k];
      return t;
    });
    const out = c.gpu(rt, xs);
    expect(out.size, `${c.label}: output size`).toBe(outSize);
    const u = rt.tensor(Float32Array.from(u64), out.shape);
    u.requiresGrad = true;
    const diff = xs.filter((_, k) => which[k]);
    const J = K.grad(out, diff, { gradOutputs: u, createGraph: true });
    let s: Tensor | null = null;
    let j = 0;
    for (let k = 0; k < xs.length; k++) {
      if (!which[k]) continue;
      const g = J[j++];
      expect(g.shape, `${c.label}: gradient ${k} shape`).toEqual(xs[k].shape);
      const fo = relError(await g.read(), firstRef[k]!);
      expect(fo, `${c.label}: first-order gradient of input ${k}: relative error ${fo.toExponential(2)} (seed ${SEED})`).toBeLessThanOrEqual(TOLERANCE.backward);
      const term = K.sum(K.mul(g, rt.tensor(Float32Array.from(vs64[k]), xs[k].shape)));
      s = s ? K.add(s, term) : term;
    }
    expect(s!.requiresGrad, `${c.label}: the gradients carry no graph`).toBe(true);
    K.backward(s!);
    const all = [...xs, u];
    for (let k = 0; k < all.length; k++) {
      const ref = secondRef[k];
      if (!ref) continue;
      const got = all[k].grad ? await all[k].grad!.read() : new Float32Array(ref.length);
      expectSecondOrder(got, ref, floor, `${c.label}: ∂S/∂${k === xs.length ? 'u' : `input ${k}`}`);
    }
  });
}

// ------------------------------------------------------------------------------------ conv

describe('double backward: convolutions', () => {
  const rng = makeRng(SEED + 1);
  const convCases: Array<{ label: string; g: ConvRefGeometry; bias: boolean }> = [
    { label: '3×3 padding 1, bias (conv0)', g: { x: [2, 3, 6, 5], w: [4, 3, 3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, bias: true },
    { label: '3×3 stride 2 (conv1 after the blur)', g: { x: [2, 2, 7, 8], w: [3, 2, 3, 3], stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }, bias: false },
    { label: '1×1 (fromrgb, skip)', g: { x: [3, 3, 4, 3], w: [5, 3, 1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }, bias: true },
    { label: 'groups 2, dilation 2, stride [2, 1], padding [1, 2]', g: { x: [1, 4, 7, 6], w: [4, 2, 2, 3], stride: [2, 1], padding: [1, 2], dilation: [2, 2], groups: 2 }, bias: false },
  ];
  for (const { label, g, bias } of convCases) {
    it(`conv2d ${label}`, async () => {
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      await checkSecondOrder({
        label: `conv2d ${label}`,
        inputs: [
          { shape: g.x, data: randn(rng, size(g.x)) },
          { shape: g.w, data: randn(rng, size(g.w), 0.5) },
          ...(bias ? [{ shape: [g.w[0]], data: randn(rng, g.w[0]) }] : []),
        ],
        gpu: (_rt, [x, w, b]) => K.conv2d(x, w, b, { stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups }),
        ref: ([x, w, b]) => conv2dRef(x, w, b, g),
        vjp: ([x, w, b], u) => conv2dGradRef(x, w, b, u, g),
      });
    });
  }

  it('convTranspose2d stride 2, outputPadding 1, bias', async () => {
    const g: ConvRefGeometry = { x: [2, 3, 4, 3], w: [3, 2, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1, outputPadding: [1, 0] };
    await checkSecondOrder({
      label: 'convTranspose2d',
      inputs: [
        { shape: g.x, data: randn(rng, 72) },
        { shape: g.w, data: randn(rng, 54, 0.5) },
        { shape: [2], data: randn(rng, 2) },
      ],
      gpu: (_rt, [x, w, b]) => K.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: [1, 0] }),
      ref: ([x, w, b]) => convTranspose2dRef(x, w, b, g),
      vjp: ([x, w, b], u) => convTranspose2dGradRef(x, w, b, u, g),
    });
    expect(convTranspose2dOutShape(g)).toEqual([2, 2, 8, 5]);
  });

  it('conv2dWeightGrad is conv2d’s weight gradient, and differentiable in x and gy', async () => {
    const g: ConvRefGeometry = { x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 };
    const os = conv2dOutShape(g);
    const wZero = new Float64Array(108);
    await checkSecondOrder({
      label: 'conv2dWeightGrad',
      inputs: [
        { shape: g.x, data: randn(rng, 252) },
        { shape: os, data: randn(rng, os.reduce((a, b) => a * b, 1)) },
      ],
      gpu: (_rt, [x, gy]) => K.conv2dWeightGrad(x, gy, 3, { stride: 2, padding: 1 }),
      // dw as a function of (x, gy): the reference weight gradient (the weight itself does not enter).
      ref: ([x, gy]) => conv2dGradRef(x, wZero, undefined, gy, g)[1],
      // ⟨u, dw⟩ = ⟨gy, conv2d(x, u)⟩: in gy that is conv2d(x, u), in x conv2d's input gradient with weight u.
      vjp: ([x, gy], u) => [conv2dGradRef(x, u, undefined, gy, g)[0], conv2dRef(x, u, undefined, g)],
    });
  });

  it('conv2dWeightGrad refuses a gy that is not the conv2d output of x', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [1, 2, 5, 5]);
      expect(() => K.conv2dWeightGrad(x, K.zeros(rt, [1, 3, 4, 5]), 3, { padding: 1 })).toThrow(/conv2dWeightGrad: gy must be \[1, 3, 5, 5\]/);
    });
  });
});

// ------------------------------------------------------------------------------------ D's other ops

describe('double backward: upfirdn2d, biasAct, linear, minibatchStd', () => {
  const rng = makeRng(SEED + 2);
  const filter = K.setupFilter([1, 3, 3, 1]);
  const f64 = Float64Array.from(filter.data);

  for (const [label, opts] of [
    ['blur, padding 2 (before conv1)', { padding: [2, 2, 2, 2] as [number, number, number, number], down: 1, up: 1 }],
    ['down 2 (skip)', { padding: [1, 1, 1, 1] as [number, number, number, number], down: 2, up: 1 }],
    ['up 2, gain 4, uneven padding', { padding: [2, 1, 1, 2] as [number, number, number, number], down: 1, up: 2, gain: 4 }],
  ] as const) {
    it(`upfirdn2d ${label}, on a squared input`, async () => {
      const shape = [1, 2, 5, 7];
      await checkSecondOrder({
        label: `upfirdn2d ${label}`,
        inputs: [{ shape, data: randn(rng, 70) }],
        // Squared first, so the gradient depends on x and S on it (upfirdn2d alone is linear).
        gpu: (_rt, [x]) => K.upfirdn2d(K.square(x), filter, { padding: opts.padding, down: opts.down, up: opts.up, gain: 'gain' in opts ? opts.gain : 1 }),
        ref: ([x]) =>
          upfirdn2dRef(x.map((v) => v * v), shape, f64, [...filter.shape], {
            up: [opts.up, opts.up], down: [opts.down, opts.down], pad: [...opts.padding], flip: false, gain: 'gain' in opts ? opts.gain : 1,
          }).data,
      });
    });
  }

  const actCases: Array<{ label: string; o: BiasActRefOptions; bias: boolean }> = [
    // Clamp 0.9·√0.5: active on part of the unit-normal inputs.
    { label: 'lrelu, gain √2·√0.5, clamp (conv1)', o: { shape: [2, 5, 3, 3], dim: 1, act: 'lrelu', gain: 1, clamp: 0.9 * Math.SQRT1_2 }, bias: true },
    { label: 'lrelu on [N, F] (fc)', o: { shape: [3, 6], dim: 1, act: 'lrelu' }, bias: true },
    { label: 'linear with clamp, no bias', o: { shape: [2, 3, 2, 5], dim: 1, act: 'linear', gain: 2, clamp: 1.5 }, bias: false },
  ];
  for (const { label, o, bias } of actCases) {
    it(`biasAct ${label}`, async () => {
      const n = o.shape.reduce((a, b) => a * b, 1);
      const b64 = randn(rng, o.shape[1], 0.3);
      const inner = o.shape.slice(2).reduce((a, c) => a * c, 1);
      // Keep x + b 0.01 away from the kink and the output 0.01 away from the clamp: central
      // differences straddling a jump of the (piecewise constant) derivative would measure the jump.
      const kinks = [0, ...(o.clamp === undefined ? [] : [o.clamp, -o.clamp].map((c) => c / ((o.gain ?? Math.SQRT2) * (o.act === 'lrelu' && c < 0 ? 0.2 : 1))))];
      const x64 = randn(rng, n).map((v, i) => {
        const s = v + (bias ? b64[Math.floor(i / inner) % o.shape[1]] : 0);
        return kinks.some((k) => Math.abs(s - k) < 0.01) ? v + 0.03 : v;
      });
      await checkSecondOrder({
        label: `biasAct ${label}`,
        inputs: [{ shape: o.shape, data: x64 }, ...(bias ? [{ shape: [o.shape[1]], data: b64 }] : [])],
        gpu: (_rt, [x, b]) => K.biasAct(x, b, { act: o.act as K.Activation, gain: o.gain, clamp: o.clamp, dim: o.dim }),
        ref: ([x, b]) => biasActRef(x, b, o),
        vjp: ([x, b], u) => biasActGradRef(x, b, u, o),
      });
    });
  }

  it('linear (equalized, bias) and matmul', async () => {
    const [M, I, O] = [3, 7, 5];
    const gain = 1 / Math.sqrt(I);
    const ref = ([x, w, b]: Float64Array[]) => {
      const y = new Float64Array(M * O);
      for (let m = 0; m < M; m++) for (let o = 0; o < O; o++) y[m * O + o] = gain * dot(x.subarray(m * I, (m + 1) * I), w.subarray(o * I, (o + 1) * I)) + b[o];
      return y;
    };
    await checkSecondOrder({
      label: 'linear',
      inputs: [
        { shape: [M, I], data: randn(rng, M * I) },
        { shape: [O, I], data: randn(rng, O * I) },
        { shape: [O], data: randn(rng, O) },
      ],
      // Squared output, so the gradients depend on every input.
      gpu: (_rt, [x, w, b]) => K.square(K.linear(x, w, b, { equalized: true })),
      ref: (xs) => ref(xs).map((v) => v * v),
    });
  });

  for (const [label, shape, groupSize, F] of [
    ['group 2 of 4, 2 statistics channels', [4, 4, 3, 2], 2, 2],
    ['group min(4, 3) = 3 (the fixture batch)', [3, 3, 2, 2], 4, 1],
  ] as const) {
    it(`minibatchStd ${label}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      // Members of a group a unit apart (plus noise): σ near 0 would make f32 and the differences
      // ill-conditioned ((x − μ)/σ), which is not what this checks.
      const G = Math.min(groupSize, shape[0]);
      const perSample = n / shape[0];
      const data = randn(rng, n, 0.3).map((v, i) => v + Math.floor(Math.floor(i / perSample) / (shape[0] / G)));
      await checkSecondOrder({
        label: `minibatchStd ${label}`,
        inputs: [{ shape: [...shape], data }],
        gpu: (_rt, [x]) => K.minibatchStd(x, { groupSize, numChannels: F }),
        ref: ([x]) => minibatchStdRef(x, shape, groupSize, F),
        vjp: ([x], u) => [minibatchStdGradRef(x, u, shape, groupSize, F)],
      });
    });
  }
});

// ------------------------------------------------------------------------------------ elementwise, reductions, shapes

describe('double backward: elementwise, reductions and shape ops', () => {
  const rng = makeRng(SEED + 3);
  const unaryCases: Array<[string, (x: Tensor) => Tensor, (v: number) => number, number, number]> = [
    ['neg', K.neg, (v) => -v, -2, 2],
    ['exp', K.exp, Math.exp, -1, 1],
    ['log', K.log, Math.log, 0.5, 2],
    ['sqrt', K.sqrt, Math.sqrt, 0.5, 2],
    ['rsqrt', K.rsqrt, (v) => 1 / Math.sqrt(v), 0.5, 2],
    ['square', K.square, (v) => v * v, -2, 2],
    ['reciprocal', K.reciprocal, (v) => 1 / v, 0.5, 2],
    ['addScalar', (x) => K.addScalar(x, 0.7), (v) => v + 0.7, -2, 2],
    ['mulScalar', (x) => K.mulScalar(x, -1.3), (v) => v * -1.3, -2, 2],
    ['abs', K.abs, Math.abs, -2, 2],
    ['relu', K.relu, (v) => Math.max(v, 0), -2, 2],
  ];
  for (const [name, op, f, lo, hi] of unaryCases) {
    it(`${name} (times x² + 1, so linear ones have a second derivative too)`, async () => {
      await checkSecondOrder({
        label: name,
        inputs: [{ shape: [3, 5], data: uniform(rng, 15, lo, hi) }],
        gpu: (_rt, [x]) => K.mul(op(x), K.addScalar(K.square(x), 1)),
        ref: ([x]) => x.map((v) => f(v) * (v * v + 1)),
      });
    });
  }

  it('add, sub, mul, div with broadcasting', async () => {
    const A = [2, 3, 4];
    const B = [3, 1];
    const bIndex = (i: number) => Math.floor(i / 4) % 3;
    await checkSecondOrder({
      label: 'binary',
      inputs: [
        { shape: A, data: randn(rng, 24) },
        { shape: B, data: uniform(rng, 3, 0.5, 1.5) },
      ],
      // ((a − b)·a + b) / b
      gpu: (_rt, [a, b]) => K.div(K.add(K.mul(K.sub(a, b), a), b), b),
      ref: ([a, b]) => a.map((v, i) => ((v - b[bIndex(i)]) * v + b[bIndex(i)]) / b[bIndex(i)]),
    });
  });

  it('maximum and minimum, broadcast', async () => {
    const bIndex = (i: number) => i % 4;
    await checkSecondOrder({
      label: 'maximum/minimum',
      inputs: [
        { shape: [3, 4], data: randn(rng, 12) },
        { shape: [4], data: randn(rng, 4) },
      ],
      // max(a, b) · min(a, b)²
      gpu: (_rt, [a, b]) => K.mul(K.maximum(a, b), K.square(K.minimum(a, b))),
      ref: ([a, b]) => a.map((v, i) => Math.max(v, b[bIndex(i)]) * Math.min(v, b[bIndex(i)]) ** 2),
    });
  });

  it('matmul with transA and a broadcast batch', async () => {
    // a [2, 5, 3] (used as aᵀ [2, 3, 5]) × b [5, 4] → [2, 3, 4], squared
    await checkSecondOrder({
      label: 'matmul transA',
      inputs: [
        { shape: [2, 5, 3], data: randn(rng, 30) },
        { shape: [5, 4], data: randn(rng, 20) },
      ],
      gpu: (_rt, [a, b]) => K.square(K.matmul(a, b, { transA: true, alpha: 0.7 })),
      ref: ([a, b]) => {
        const out = new Float64Array(24);
        for (let n = 0; n < 2; n++) {
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 4; j++) {
              let s = 0;
              for (let k = 0; k < 5; k++) s += a[(n * 5 + k) * 3 + i] * b[k * 4 + j];
              out[(n * 3 + i) * 4 + j] = (0.7 * s) ** 2;
            }
          }
        }
        return out;
      },
    });
  });

  it('sum, mean and max over axes', async () => {
    const shape = [2, 3, 4];
    await checkSecondOrder({
      label: 'reductions',
      inputs: [{ shape, data: randn(rng, 24) }],
      // sum_axis1(x²) · mean_axis1(x) + max_axis1(x)²  → [2, 4]
      gpu: (_rt, [x]) => {
        const m = K.max(x, 1);
        return K.add(K.mul(K.sum(K.square(x), 1), K.mean(x, 1)), K.mul(m, m));
      },
      ref: ([x]) => {
        const out = new Float64Array(8);
        for (let n = 0; n < 2; n++) {
          for (let k = 0; k < 4; k++) {
            let s = 0;
            let m = 0;
            let mx = -Infinity;
            for (let c = 0; c < 3; c++) {
              const v = x[(n * 3 + c) * 4 + k];
              s += v * v;
              m += v / 3;
              mx = Math.max(mx, v);
            }
            out[n * 4 + k] = s * m + mx * mx;
          }
        }
        return out;
      },
    });
  });

  it('reshape, permute, expand, slice, concat', async () => {
    // y = concat([slice(permute(x)), expand(x[:, :1])], axis 2), squared: [2, 3, 3 + 3] from x [2, 3, 4]
    const refShape = ([x]: Float64Array[]) => {
      const out = new Float64Array(2 * 3 * 6);
      for (let n = 0; n < 2; n++) {
        for (let c = 0; c < 3; c++) {
          // permute [0, 2, 1] → [2, 4, 3]; slice rows 1..4 of axis 1 → [2, 3, 3]: p[n, k, c'] = x[n, c', k + 1]
          for (let j = 0; j < 3; j++) out[(n * 3 + c) * 6 + j] = x[(n * 3 + j) * 4 + c + 1];
          for (let j = 0; j < 3; j++) out[(n * 3 + c) * 6 + 3 + j] = x[(n * 3 + 0) * 4 + 0] * (j + 1);
        }
      }
      return out.map((v) => v * v);
    };
    await checkSecondOrder({
      label: 'shape ops',
      inputs: [{ shape: [2, 3, 4], data: randn(rng, 24) }],
      gpu: (rt, [x]) => {
        const p = K.slice(K.permute(x, [0, 2, 1]), [null, [1, 4], null]);
        const first = K.reshape(K.slice(x, [null, [0, 1], [0, 1]]), [2, 1, 1]);
        const e = K.mul(K.expand(first, [2, 3, 3]), rt.tensor(Float32Array.of(1, 2, 3), [3]));
        return K.square(K.concat([p, e], 2));
      },
      ref: refShape,
    });
  });
});

// ------------------------------------------------------------------------------------ grad() itself

describe('grad()', () => {
  it('returns the same first-order gradients as backward, without touching .grad', async () => {
    const rt = await testRuntime();
    await rt.tidyAsync(async () => {
      const x = rt.tensor(Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 3), [3, 4]);
      const w = rt.tensor(Float32Array.from({ length: 8 }, (_, i) => Math.sin(i)), [2, 4]);
      x.requiresGrad = true;
      w.requiresGrad = true;
      const loss = () => K.sum(K.square(K.linear(x, w)));
      const [gx] = K.grad(loss(), [x]);
      expect(gx.requiresGrad).toBe(false);
      expect(x.grad).toBeNull();
      expect(w.grad).toBeNull();
      K.backward(loss());
      expect(Array.from(await gx.read())).toEqual(Array.from(await x.grad!.read()));
      K.zeroGrad([x, w]);
    });
  });

  it('gives zeros for an unused input with allowUnused, and refuses otherwise', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = rt.tensor(Float32Array.of(1, 2), [2]);
      const y = rt.tensor(Float32Array.of(3, 4), [2]);
      x.requiresGrad = true;
      y.requiresGrad = true;
      const out = K.sum(K.square(x));
      expect(() => K.grad(out, [x, y])).toThrow(/grad: input 1 .* is not used by the outputs/);
      const [, gy] = K.grad(out, [x, y], { allowUnused: true });
      expect(gy.shape).toEqual([2]);
      const frozen = rt.tensor(Float32Array.of(1), [1]);
      expect(() => K.grad(out, [frozen])).toThrow(/grad: input 0 .* does not require grad/);
      expect(() => K.grad(K.square(x), [x])).toThrow(/grad: root has shape \[2\]/);
    });
  });

  it('a createGraph pass lives in the caller\'s scope: nothing is left after it closes but the leaves\' gradients', async () => {
    const rt = await testRuntime();
    const x = rt.keep(rt.tensor(Float32Array.from({ length: 2 * 3 * 6 * 6 }, (_, i) => Math.sin(i)), [2, 3, 6, 6]));
    const w = rt.keep(rt.tensor(Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.cos(i)), [4, 3, 3, 3]));
    w.requiresGrad = true;
    const before = rt.liveTensors;
    rt.tidy(() => {
      const xi = rt.noGrad(() => K.reshape(x, x.shape));
      xi.requiresGrad = true;
      const y = K.minibatchStd(K.biasAct(K.conv2d(xi, w, null, { padding: 1 }), null, { act: 'lrelu' }), { groupSize: 2 });
      const [g] = K.grad(K.sum(y), [xi], { createGraph: true });
      K.backward(K.sum(K.square(g)));
    });
    expect(w.grad).not.toBeNull();
    expect(rt.liveTensors).toBe(before + 1);
    K.zeroGrad([w]);
    x.dispose();
    w.dispose();
  });

  it('an op without a double backward throws under createGraph, naming it', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = rt.tensor(Float32Array.of(0.1, -0.4, 0.3, 0.2, 0.5, -1), [2, 3]);
      x.requiresGrad = true;
      expect(() => K.grad(K.sum(K.square(K.softmax(x))), [x], { createGraph: true })).toThrow(/createGraph reached softmax .* has no double backward/);
      expect(() => K.grad(K.sum(K.biasAct(x, null, { act: 'tanh' })), [x], { createGraph: true })).toThrow(/createGraph reached biasAct/);
      // Without createGraph both are fine.
      expect(K.grad(K.sum(K.biasAct(x, null, { act: 'tanh' })), [x])[0].shape).toEqual([2, 3]);
    });
  });
});

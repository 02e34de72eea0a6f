import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn, uniform } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { ACT_REF, biasActGradRef, biasActRef, type BiasActRefOptions } from './reference/bias-act.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

/**
 * Moves inputs so that x + b stays ≥ 0.05 from the activation's kink at 0 and the output stays
 * ≥ 0.05 from ±clamp: finite differences across a kink measure neither side.
 */
function awayFromKinks(x: Float64Array, b: Float64Array | undefined, o: BiasActRefOptions): Float64Array {
  const spec = ACT_REF[o.act];
  const inner = o.shape.slice(o.dim + 1).reduce((p, d) => p * d, 1);
  return x.map((v, i) => {
    const bias = b ? Math.fround(b[Math.floor(i / inner) % o.shape[o.dim]]) : 0;
    for (let k = 0; k < 50; k++) {
      const s = Math.fround(v) + bias;
      const y = spec.f(s, o.alpha ?? spec.alpha) * (o.gain ?? spec.gain);
      if (Math.abs(s) > 0.05 && (o.clamp === undefined || Math.abs(Math.abs(y) - o.clamp) > 0.05)) break;
      v += 0.037;
    }
    return v;
  });
}

async function check(label: string, o: BiasActRefOptions, withBias: boolean, opts: K.BiasActOptions = {}): Promise<void> {
  const n = o.shape.reduce((a, d) => a * d, 1);
  const b = withBias ? randn(rng, o.shape[o.dim]) : undefined;
  const x = awayFromKinks(uniform(rng, n, -3, 3), b, o);
  await checkOp({
    label,
    inputs: [{ shape: o.shape, data: x }, ...(b ? [{ shape: [b.length], data: b }] : [])],
    shape: o.shape,
    gpu: (_rt, [xt, bt]) => K.biasAct(xt, bt, { dim: o.dim, act: o.act as K.Activation, ...opts }),
    ref: ([xv, bv]) => biasActRef(xv, bv, o),
  });
}

describe('biasAct: every activation, defaults from the official table', () => {
  for (const act of Object.keys(K.ACTIVATIONS) as K.Activation[]) {
    it(`${act} with bias along dim 1`, async () => {
      await check(`${act} +b`, { shape: [2, 5, 3, 3], dim: 1, act }, true);
    });
    it(`${act} without bias`, async () => {
      await check(`${act}`, { shape: [1, 3, 2, 7], dim: 1, act }, false);
    });
    // The vec4 layouts: bias per row of H·W (H·W % 4 == 0), bias along the last axis, no bias.
    it(`${act}, vec4 layouts (rows, columns, plain)`, async () => {
      await check(`${act} rows`, { shape: [2, 3, 2, 6], dim: 1, act }, true);
      await check(`${act} cols`, { shape: [3, 8], dim: 1, act }, true);
      await check(`${act} plain`, { shape: [1, 3, 2, 4], dim: 1, act }, false);
    });
  }

  it('the defaults match bias_act.py (alpha, gain) and the float64 table', () => {
    for (const [act, def] of Object.entries(K.ACTIVATIONS)) {
      expect(def.defAlpha, act).toBe(ACT_REF[act].alpha);
      expect(def.defGain, act).toBe(ACT_REF[act].gain);
    }
    expect(K.ACTIVATIONS.lrelu.defAlpha).toBe(0.2);
    expect(K.ACTIVATIONS.lrelu.defGain).toBe(Math.SQRT2);
  });
});

describe('biasAct options', () => {
  it('lrelu with alpha 0.1, gain 1.5, non-default dim 2 of a rank-3 tensor', async () => {
    await check('lrelu dim 2', { shape: [3, 4, 7], dim: 2, act: 'lrelu', alpha: 0.1, gain: 1.5 }, true, { alpha: 0.1, gain: 1.5 });
  });
  it('swish along dim 0, and a 2-D x with dim -1', async () => {
    await check('swish dim 0', { shape: [3, 4, 5], dim: 0, act: 'swish' }, true);
    await check('tanh dim -1', { shape: [6, 7], dim: 1, act: 'tanh' }, true, { dim: -1 });
  });
  it('clamp after gain (lrelu, clamp 0.8), zero gradient where clamped', async () => {
    await check('lrelu clamp', { shape: [2, 5, 4, 3], dim: 1, act: 'lrelu', clamp: 0.8 }, true, { clamp: 0.8 });
  });
  it('clamp on linear with gain 3 and on gelu', async () => {
    await check('linear clamp', { shape: [1, 7, 3, 5], dim: 1, act: 'linear', gain: 3, clamp: 2 }, true, { gain: 3, clamp: 2 });
    await check('gelu clamp', { shape: [3, 3, 5], dim: 1, act: 'gelu', clamp: 1 }, true, { clamp: 1 });
  });
  it('the analytic gradient with clamp (larger tensor, refGrad)', async () => {
    const o: BiasActRefOptions = { shape: [3, 7, 9, 5], dim: 1, act: 'lrelu', clamp: 1.1 };
    const b = randn(rng, 7);
    await checkOp({
      label: 'lrelu clamp, analytic',
      inputs: [{ shape: o.shape, data: uniform(rng, 945, -3, 3) }, { shape: [7], data: b }],
      shape: o.shape,
      gpu: (_rt, [xt, bt]) => K.biasAct(xt, bt, { act: 'lrelu', clamp: 1.1 }),
      ref: ([xv, bv]) => biasActRef(xv, bv, o),
      refGrad: ([xv, bv], g) => biasActGradRef(xv, bv, g, o),
    });
  });

  it('the analytic gradient in the vec4 rows layout, several column passes per thread', async () => {
    const o: BiasActRefOptions = { shape: [2, 3, 40, 32], dim: 1, act: 'lrelu', clamp: 1.1 };
    await checkOp({
      label: 'lrelu clamp rows, analytic',
      inputs: [{ shape: o.shape, data: uniform(rng, 7680, -3, 3) }, { shape: [3], data: randn(rng, 3) }],
      shape: o.shape,
      gpu: (_rt, [xt, bt]) => K.biasAct(xt, bt, { act: 'lrelu', clamp: 1.1 }),
      ref: ([xv, bv]) => biasActRef(xv, bv, o),
      refGrad: ([xv, bv], g) => biasActGradRef(xv, bv, g, o),
    });
  });

  it('more rows than one grid dimension holds (65 537 rows of 4)', async () => {
    const o: BiasActRefOptions = { shape: [65537, 4], dim: 0, act: 'swish' };
    await checkOp({
      label: 'swish 65537 rows',
      inputs: [{ shape: o.shape, data: uniform(rng, 65537 * 4, -3, 3) }, { shape: [65537], data: randn(rng, 65537) }],
      shape: o.shape,
      gpu: (_rt, [xt, bt]) => K.biasAct(xt, bt, { act: 'swish', dim: 0 }),
      ref: ([xv, bv]) => biasActRef(xv, bv, o),
      noBackward: true,
    });
  });

  it('saturating activations stay finite at ±100', async () => {
    const rt = await testRuntime();
    for (const act of ['tanh', 'sigmoid', 'softplus', 'swish', 'gelu', 'quickGelu', 'elu', 'selu'] as const) {
      const y = await rt.tidy(() => K.biasAct(rt.tensor([-100, -30, 30, 100]), null, { act })).read();
      const ref = [-100, -30, 30, 100].map((v) => ACT_REF[act].f(v, 0) * ACT_REF[act].gain);
      y.forEach((v, i) => expect(Math.abs(v - ref[i]), `${act}(${[-100, -30, 30, 100][i]}) = ${v}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[i]))));
    }
  });
});

describe('biasAct input checks', () => {
  it('throws naming the op and the shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const x = K.zeros(rt, [2, 3, 4]);
      expect(() => K.biasAct(x, null, { act: 'mish' as K.Activation })).toThrow(/biasAct: unknown activation 'mish' \(x \[2, 3, 4\]\)/);
      expect(() => K.biasAct(x, K.zeros(rt, [4]))).toThrow(/biasAct: b must be a vector of length x.shape\[1\] = 3, got x \[2, 3, 4\], b \[4\]/);
      expect(() => K.biasAct(x, K.zeros(rt, [3, 1]))).toThrow(/biasAct: b must be a vector.*b \[3, 1\]/);
      expect(() => K.biasAct(x, K.zeros(rt, [3]), { dim: 3 })).toThrow(/biasAct: dim 3 is out of range for x \[2, 3, 4\], b \[3\]/);
      expect(() => K.biasAct(x, null, { clamp: -1 })).toThrow(/biasAct: clamp must be ≥ 0 or null, got -1/);
      expect(() => K.biasAct(x, K.zeros(rt, [3]), { dim: 0 })).toThrow(/biasAct: b must be a vector of length x.shape\[0\] = 2/);
    });
  });
});

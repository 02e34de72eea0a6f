import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { makeRng, randn, uniform } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { broadcastRef } from './reference/elementwise.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

/** Inputs kept inside each op's smooth domain (finite differences need it). */
const DOMAIN: Partial<Record<K.UnaryOp, [number, number]>> = {
  log: [0.2, 3],
  sqrt: [0.2, 3],
  rsqrt: [0.2, 3],
  reciprocal: [0.5, 3],
  powScalar: [0.3, 2],
};
const PARAM: Partial<Record<K.UnaryOp, number>> = { addScalar: 0.75, mulScalar: -1.5, powScalar: 2.5, clampMin: 0.1, clampMax: -0.2 };

describe('unary ops', () => {
  // 105 elements take the scalar kernels, 36 the vec4 ones.
  for (const [op, shape] of (Object.keys(K.UNARY) as K.UnaryOp[]).flatMap((o) => [[o, [3, 7, 5]], [o, [4, 9]]] as const)) {
    it(`${op} ${JSON.stringify(shape)}: forward vs float64, backward vs finite differences`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const [lo, hi] = DOMAIN[op] ?? [-2.5, 2.5];
      let data = uniform(rng, n, lo, hi);
      // Keep kinks (abs, relu, clamp) away from the finite-difference step.
      if (['abs', 'relu', 'sign', 'clampMin', 'clampMax'].includes(op)) data = data.map((v) => (Math.abs(v - (PARAM[op] ?? 0)) < 0.05 ? v + 0.1 : v));
      const p = PARAM[op] ?? 0;
      const def = K.UNARY[op];
      await checkOp({
        label: op,
        inputs: [{ shape: [...shape], data }],
        shape: [...shape],
        gpu: (_rt, [x]) => K.unary(op, x, p),
        ref: ([x]) => x.map((v) => def.ref(v, p)),
        noBackward: def.df === null,
      });
    });
  }

  it('tanh and sigmoid stay finite for large inputs', async () => {
    const rt = await testRuntime();
    const x = rt.tensor([-200, -50, 0, 50, 200]);
    expect(Array.from(await K.tanh(x).read())).toEqual([-1, -1, 0, 1, 1]);
    const s = await K.sigmoid(x).read();
    expect(s[0]).toBe(0);
    expect(s[4]).toBe(1);
  });
});

describe('binary ops with broadcasting', () => {
  const cases: Array<[number[], number[], number[]]> = [
    [[5, 3], [5, 3], [5, 3]],
    [[4, 9], [4, 9], [4, 9]], // vec4 kernels
    [[2, 3, 5], [5], [2, 3, 5]],
    [[4, 1, 3], [1, 6, 1], [4, 6, 3]],
    [[1], [3, 1, 7], [3, 1, 7]],
    [[2, 1, 1, 3, 1], [5, 1, 2], [2, 1, 5, 3, 2]],
    // Rows of ≥ 64 after coalescing: the division-free `rows` kernel.
    [[3, 5, 7, 19], [3, 1, 7, 19], [3, 5, 7, 19]], // noise over channels
    [[2, 3, 9, 10], [1, 3, 1, 1], [2, 3, 9, 10]], // a bias per channel: b's inner stride is 0
    [[4, 1, 70], [1, 6, 70], [4, 6, 70]],
    // Rows a multiple of 4 long: the same kernel on vec4s, broadcast inputs splatted.
    [[3, 5, 8, 12], [1, 1, 8, 12], [3, 5, 8, 12]], // noise over batch and channels
    [[2, 3, 8, 8], [1, 3, 1, 1], [2, 3, 8, 8]],
    [[4, 1, 68], [1, 6, 68], [4, 6, 68]],
    [[1, 65], [3, 65], [3, 65]],
  ];
  const diff: Record<string, (a: K.Tensor, b: K.Tensor) => K.Tensor> = {
    add: K.add,
    sub: K.sub,
    mul: K.mul,
    div: K.div,
    maximum: K.maximum,
    minimum: K.minimum,
  };
  for (const [name, fn] of Object.entries(diff)) {
    for (const [sa, sb, so] of cases) {
      it(`${name} ${JSON.stringify(sa)} ⊕ ${JSON.stringify(sb)}`, async () => {
        const na = sa.reduce((x, y) => x * y, 1);
        const nb = sb.reduce((x, y) => x * y, 1);
        let a = randn(rng, na);
        let b = name === 'div' ? uniform(rng, nb, 0.5, 2).map((v) => (rng() < 0.5 ? -v : v)) : randn(rng, nb);
        // max/min: keep every pair of operands at least 0.05 apart (a on the 0.1 grid, b halfway
        // between), so no finite difference straddles a tie however many pairs broadcasting makes.
        if (name === 'maximum' || name === 'minimum') {
          a = a.map((v) => Math.round(v * 10) / 10);
          b = b.map((v) => Math.round(v * 10) / 10 + 0.05);
        }
        await checkOp({
          label: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
          inputs: [
            { shape: sa, data: a },
            { shape: sb, data: b },
          ],
          shape: so,
          gpu: (_rt, [x, y]) => fn(x, y),
          ref: broadcastRef(K.BINARY[name as K.BinaryOp].ref, sa, sb, so),
        });
      });
    }
  }

  it('a broadcast with more rows than one grid dimension holds (rows kernel over y and z)', async () => {
    const rt = await testRuntime();
    const rows = 65_537;
    const a = Float32Array.from({ length: rows * 64 }, (_, i) => (i % 1009) * 0.5);
    const b = Float32Array.from({ length: 64 }, (_, j) => j * 0.25 - 3);
    const ta = rt.tensor(a, [rows, 64]);
    const tb = rt.tensor(b, [1, 64]);
    const out = K.add(ta, tb);
    const got = await out.read();
    let bad = 0;
    for (let i = 0; i < a.length; i++) if (got[i] !== a[i] + b[i % 64]) bad++;
    expect(bad).toBe(0);
    for (const t of [ta, tb, out]) t.dispose();
  });

  it('coalesceBroadcast merges dims the inputs step through alike', () => {
    const out = [2, 3, 4, 5];
    const s = (shape: number[]) => K.broadcastStrides(shape, out);
    expect(K.coalesceBroadcast(out, s([2, 3, 4, 5]), s([2, 1, 4, 5]))).toEqual([[2, 3, 20], [60, 20, 1], [20, 0, 1]]);
    expect(K.coalesceBroadcast(out, s([2, 3, 4, 5]), s([2, 3, 4, 5]))).toEqual([[120], [1], [1]]);
    expect(K.coalesceBroadcast([2, 1, 5], [5, 0, 1], [0, 0, 1])).toEqual([[2, 5], [5, 1], [0, 1]]);
  });

  it('comparisons and where', async () => {
    const rt = await testRuntime();
    const a = rt.tensor([1, 2, 3, 4]);
    const b = rt.tensor([3], [1]);
    expect(Array.from(await K.greater(a, b).read())).toEqual([0, 0, 0, 1]);
    expect(Array.from(await K.less(a, b).read())).toEqual([1, 1, 0, 0]);
    expect(Array.from(await K.equal(a, b).read())).toEqual([0, 0, 1, 0]);
    expect(Array.from(await K.where(K.greaterEqual(a, b), a, K.neg(a)).read())).toEqual([-1, -2, 3, 4]);
  });

  it('lerp with a scalar t, forward and backward', async () => {
    const shape = [4, 5];
    await checkOp({
      label: 'lerp',
      inputs: [
        { shape, data: randn(rng, 20) },
        { shape, data: randn(rng, 20) },
        { shape: [1], data: Float64Array.of(0.3) },
      ],
      shape,
      gpu: (_rt, [a, b, t]) => K.lerp(a, b, t),
      ref: ([a, b, t]) => a.map((v, i) => v + (b[i] - v) * t[0]),
    });
  });

  it('rejects shapes that do not broadcast, naming the op and shapes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      expect(() => K.add(K.zeros(rt, [2, 3]), K.zeros(rt, [4]))).toThrow(/add: shapes \[2, 3\] and \[4\] do not broadcast/);
    });
  });
});

describe('vec4 kernels over many workgroups (strided loop)', () => {
  it('add and tanh at 40964 elements, forward and backward', async () => {
    const n = 40964; // 10241 vec4s: several workgroups of 256 invocations × 4 vec4s, ragged end
    const a = randn(rng, n);
    const b = randn(rng, n);
    await checkOp({
      label: 'tanh(a + b) large',
      inputs: [
        { shape: [n], data: a },
        { shape: [n], data: b },
      ],
      shape: [n],
      gpu: (_rt, [x, y]) => K.tanh(K.add(x, y)),
      ref: ([x, y]) => x.map((v, i) => Math.tanh(v + y[i])),
      // d tanh(a + b) = (1 − tanh²) for both inputs.
      refGrad: ([x, y], g) => {
        const d = x.map((v, i) => g[i] * (1 - Math.tanh(v + y[i]) ** 2));
        return [d, Float64Array.from(d)];
      },
    });
  });
});

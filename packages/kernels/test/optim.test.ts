import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn, TOLERANCE } from '../src/testing/index.js';
import { destroyTestRuntime, expectClose, testRuntime } from '../src/testing/vitest/index.js';
import { adamRefStep, newAdamRefState, sgdRefStep, type AdamRefHyper, type SgdRefHyper, type SgdRefState } from './reference/optim.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const f32 = (x: ArrayLike<number>) => Float64Array.from(Float32Array.from(x as ArrayLike<number>));
const shapeSize = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Gives `p` a fresh gradient (kept, as backward's would be). */
function setGrad(rt: K.Runtime, p: K.Tensor, g: Float64Array): void {
  p.grad?.dispose();
  p.grad = rt.keep(rt.tensor(Float32Array.from(g), p.shape));
}

describe('Adam', () => {
  it('matches the float64 torch algorithm over several steps, with two groups, freezing and lr/beta changes', async () => {
    const rt = await testRuntime();
    const shapes = [[5, 7], [13], [3, 1, 4]];
    const ref = shapes.map((s) => f32(randn(rng, shapeSize(s))));
    const params = shapes.map((s, i) => rt.parameter(Float32Array.from(ref[i]), s, `p${i}`));
    const hyper: AdamRefHyper[] = [
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
      { lr: 0.03, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.2 },
    ];
    const groupOf = [0, 0, 1];
    const opt = new K.Adam(
      [
        { params: [params[0], params[1]], lr: hyper[0].lr },
        { params: [params[2]], lr: hyper[1].lr, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.2 },
      ],
      { betas: [0.9, 0.999], eps: 1e-8 },
    );
    const refState = shapes.map((s) => newAdamRefState(shapeSize(s)));
    const pipelinesBefore = rt.pipelineCount;

    for (let step = 0; step < 6; step++) {
      if (step === 3) {
        opt.groups[0].lr = hyper[0].lr = 0.002;
        opt.groups[1].betas = [0.8, 0.95];
        hyper[1].betas = [0.8, 0.95];
      }
      // p2 is frozen in steps 1-2 (it still holds a gradient, which must be ignored); p1 has no gradient in step 4.
      const frozen = step === 1 || step === 2;
      params[2].requiresGrad = !frozen;
      const m2Before = frozen ? await opt.stateOf(params[2])!.m.read() : null;
      const stepBefore = opt.stateOf(params[2])?.step;
      opt.zeroGrad();
      rt.tidy(() => {
        params.forEach((p, i) => {
          if (i === 1 && step === 4) return;
          const g = f32(randn(rng, p.size));
          setGrad(rt, p, g);
          if (!(i === 2 && frozen)) adamRefStep(ref[i], g, refState[i], hyper[groupOf[i]]);
        });
        opt.step();
      });
      for (let i = 0; i < params.length; i++) expectClose(await params[i].read(), ref[i], TOLERANCE.forward, `Adam step ${step} p${i}`);
      if (frozen) {
        expect(opt.stateOf(params[2])!.step).toBe(stepBefore);
        expect(Array.from(await opt.stateOf(params[2])!.m.read())).toEqual(Array.from(m2Before!));
      }
    }
    expect(opt.stateOf(params[2])!.step).toBe(4);
    expect(opt.stateOf(params[1])!.step).toBe(5);
    // Moments survive the scopes `step` ran in, and match the reference.
    expectClose(await opt.stateOf(params[0])!.m.read(), refState[0].m, TOLERANCE.forward, 'Adam m');
    expectClose(await opt.stateOf(params[0])!.v.read(), refState[0].v, TOLERANCE.forward, 'Adam v');
    // One pipeline for every step, group and lr.
    expect(rt.pipelineCount - pipelinesBefore).toBeLessThanOrEqual(2); // the fused update and the zero fill
    opt.dispose();
    params.forEach((p) => p.dispose());
  });

  it('a parameter frozen from the start gets no state and does not move', async () => {
    const rt = await testRuntime();
    const a = rt.parameter([1, 2, 3]);
    const b = rt.parameter([4, 5]);
    b.requiresGrad = false;
    const opt = new K.Adam([a, b], { lr: 0.1 });
    setGrad(rt, a, Float64Array.of(1, 1, 1));
    setGrad(rt, b, Float64Array.of(1, 1));
    opt.step();
    expect(Array.from(await b.read())).toEqual([4, 5]);
    expect(opt.stateOf(b)).toBeUndefined();
    expect(Array.from(await a.read()).map((v) => +v.toFixed(5))).toEqual([0.9, 1.9, 2.9]);
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});

/**
 * An update's f32 rounding is relative to the values it combines, so the error is measured against
 * the parameter's scale before the step as well as after it: the one-element parameter can land
 * near zero (seed 1264248459 took it close enough that ordinary rounding read as 8e-5 of it).
 */
function expectStepClose(actual: ArrayLike<number>, after: Float64Array, before: Float64Array, label: string): void {
  expectClose([...Array.from(actual), ...before], [...after, ...before], TOLERANCE.forward, label);
}

describe('SGD', () => {
  const cases: Array<[string, SgdRefHyper]> = [
    ['plain with weight decay', { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.05, nesterov: false }],
    ['momentum and dampening', { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01, nesterov: false }],
    ['nesterov', { lr: 0.05, momentum: 0.7, dampening: 0, weightDecay: 0.02, nesterov: true }],
  ];
  for (const [label, h0] of cases) {
    it(`${label}: matches the float64 torch algorithm, with a frozen step and an lr change`, async () => {
      const rt = await testRuntime();
      const h = { ...h0 };
      const shapes = [[3, 5], [1], [6, 2, 1]];
      const ref = shapes.map((s) => f32(randn(rng, shapeSize(s))));
      const params = shapes.map((s, i) => rt.parameter(Float32Array.from(ref[i]), s));
      const opt = new K.SGD(params, h);
      const refState: SgdRefState[] = shapes.map(() => ({ buffer: null }));
      for (let step = 0; step < 5; step++) {
        if (step === 2) opt.groups[0].lr = h.lr = h.lr / 3;
        params[0].requiresGrad = step !== 1 && step !== 3;
        opt.zeroGrad();
        const before = ref.map((r) => r.slice());
        params.forEach((p, i) => {
          const g = f32(randn(rng, p.size));
          setGrad(rt, p, g);
          if (p.requiresGrad) sgdRefStep(ref[i], g, refState[i], h);
        });
        opt.step();
        for (let i = 0; i < params.length; i++) expectStepClose(await params[i].read(), ref[i], before[i], `SGD ${label} step ${step} p${i}`);
      }
      expect(opt.stateOf(params[0])!.step).toBe(3);
      if (h.momentum) expectClose(await opt.stateOf(params[2])!.momentumBuffer!.read(), refState[2].buffer!, TOLERANCE.forward, 'momentum buffer');
      else expect(opt.stateOf(params[2])!.momentumBuffer).toBeNull();
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }
});

interface FixtureCase {
  name: string;
  optimizer: 'adam' | 'sgd';
  options: Record<string, number | boolean | number[]>;
  shapes: number[][];
  initial: number[][];
  grads: number[][][];
  after: number[][][];
}

describe('against real torch (fixtures/optim.json from make_optim_fixtures.py)', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const fixture = JSON.parse(readFileSync(join(here, '../fixtures/optim.json'), 'utf8')) as { steps: number; cases: FixtureCase[] };
  for (const c of fixture.cases) {
    it(`${c.name}: ${fixture.steps} steps`, async () => {
      const rt = await testRuntime();
      const params = c.shapes.map((s, i) => rt.parameter(c.initial[i], s));
      const o = c.options;
      const opt =
        c.optimizer === 'adam'
          ? new K.Adam(params, { lr: o.lr as number, betas: o.betas as [number, number], eps: o.eps as number, weightDecay: o.weight_decay as number })
          : new K.SGD(params, {
              lr: o.lr as number,
              momentum: o.momentum as number,
              dampening: o.dampening as number,
              weightDecay: o.weight_decay as number,
              nesterov: o.nesterov as boolean,
            });
      for (let step = 0; step < fixture.steps; step++) {
        opt.zeroGrad();
        params.forEach((p, i) => setGrad(rt, p, Float64Array.from(c.grads[step][i])));
        opt.step();
        for (let i = 0; i < params.length; i++) expectClose(await params[i].read(), c.after[step][i], TOLERANCE.forward, `${c.name} step ${step} p${i}`);
      }
      opt.zeroGrad();
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }
});

describe('optimiser bad inputs', () => {
  it('throws naming the optimiser, before dispatching anything', async () => {
    const rt = await testRuntime();
    const p = rt.parameter([1, 2, 3], [3], 'w');
    const q = rt.parameter([1, 2], [2]);
    expect(() => new K.Adam([])).toThrow(/Adam: got an empty parameter list/);
    expect(() => new K.Adam([p], { lr: -1 })).toThrow(/Adam: group 0: invalid learning rate -1/);
    expect(() => new K.Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: group 0: invalid beta2 1/);
    expect(() => new K.Adam([p], { eps: -1e-8 })).toThrow(/Adam: group 0: invalid eps/);
    expect(() => new K.Adam([{ params: [p] }, { params: [q, p] }])).toThrow(/Adam: .*w.*appears twice \(groups 0 and 1\)/);
    expect(() => new K.SGD([p], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/SGD: group 0: nesterov/);
    expect(() => new K.SGD([p], { momentum: -0.5 })).toThrow(/SGD: group 0: invalid momentum/);
    const ints = rt.keep(rt.tensor([1, 2], [2], 'i32'));
    expect(() => new K.SGD([ints])).toThrow(/SGD: parameter Tensor#\d+\(\[2\], i32\) must be f32/);
    const nonLeaf = rt.tidy(() => rt.keep(K.mulScalar(p, 2)));
    expect(() => new K.Adam([nonLeaf])).toThrow(/Adam: .* is not a leaf \(it was computed by mulScalar\)/);

    const opt = new K.Adam([p, q]);
    q.name = 'b';
    p.grad = rt.keep(rt.tensor([1, 1, 1], [3]));
    q.grad = rt.keep(rt.tensor([1, 2, 3], [3]));
    expect(() => opt.step()).toThrow(/Adam.step: gradient Tensor#\d+\(\[3\], f32\) does not fit parameter Tensor#\d+\(\[2\], .*\) 'b'/);
    // Nothing moved: every check runs before the first dispatch.
    expect(Array.from(await p.read())).toEqual([1, 2, 3]);
    expect(opt.stateOf(p)).toBeUndefined();
    opt.groups[0].lr = Number.NaN;
    expect(() => opt.step()).toThrow(/Adam: group 0: invalid learning rate NaN/);
    opt.groups[0].lr = 0.1;
    opt.zeroGrad();
    q.dispose();
    expect(() => opt.step()).toThrow(/Adam.step: tensor #\d+ \[2\] \(b\) was used after dispose\(\)/);
    opt.dispose();
    for (const t of [p, ints, nonLeaf]) t.dispose();
  });
});

describe('Adam.loadState (resuming a run)', () => {
  it('a fresh optimiser given the saved state continues exactly like the original', async () => {
    const rt = await testRuntime();
    const rng = makeRng();
    const init = Float32Array.from(randn(rng, 23));
    const grads = [0, 1, 2, 3].map(() => Float32Array.from(randn(rng, 23)));
    const a = rt.parameter(init, [23]);
    const b = rt.parameter(init, [23]);
    const optA = new K.Adam([a], { lr: 0.05, betas: [0.5, 0.9] });
    const stepWith = (opt: K.Adam, p: K.Tensor, g: Float32Array) => {
      p.grad = rt.keep(rt.tensor(g, [23]));
      opt.step();
      opt.zeroGrad();
    };
    for (const g of grads.slice(0, 3)) stepWith(optA, a, g);
    // b has the parameters a reached, and a new optimiser with a's state.
    rt.copy(a, b);
    const optB = new K.Adam([b], { lr: 0.05, betas: [0.5, 0.9] });
    const s = optA.stateOf(a)!;
    optB.loadState(b, s);
    stepWith(optA, a, grads[3]);
    stepWith(optB, b, grads[3]);
    expect(Array.from(await b.read())).toEqual(Array.from(await a.read()));
    expect(optB.stateOf(b)!.step).toBe(4);
    expect(() => optB.loadState(a, s)).toThrow(/not one of this optimiser's parameters/);
    for (const t of [a, b]) t.dispose();
    optA.dispose();
    optB.dispose();
  });
});

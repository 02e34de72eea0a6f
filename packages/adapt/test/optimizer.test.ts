import { type Tensor } from '@stylegpu/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { destroyTestRuntime, expectClose, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { createNadaOptimizer, nadaAdamOptions } from '../src/index.js';

afterAll(destroyTestRuntime);

describe('NADA optimiser', () => {
  it('scales lr and betas by r = 4/5', () => {
    const o = nadaAdamOptions();
    expect(o.lr).toBeCloseTo(0.0016, 15);
    expect(o.betas[0]).toBe(0);
    expect(o.betas[1]).toBeCloseTo(0.99 ** 0.8, 15);
    expect(o.betas[1]).toBeCloseTo(0.991992, 6);
    const o2 = nadaAdamOptions(0.01, 1);
    expect(o2.lr).toBeCloseTo(0.005, 15);
    expect(o2.betas[1]).toBeCloseTo(Math.sqrt(0.99), 15);
  });

  it('two steps match torch Adam with those settings (float64), frozen parameters untouched', async () => {
    const rt = await testRuntime();
    const rng = makeRng();
    const n = 13;
    // p starts at 0 so the read-back value is the update itself (no f32 cancellation against p0).
    const p0 = new Float64Array(n);
    const f0 = Float64Array.from(Float32Array.from(randn(rng, n)));
    const grads = [0, 1].map(() => Float64Array.from(Float32Array.from(randn(rng, n))));
    const p = rt.parameter(Float32Array.from(p0), [n], 'p');
    const frozen = rt.parameter(Float32Array.from(f0), [n], 'frozen');
    frozen.requiresGrad = false;
    const opt = createNadaOptimizer([p, frozen]);
    try {
      for (const g of grads) {
        p.grad = rt.keep(rt.tensor(Float32Array.from(g), [n]));
        opt.step();
        opt.zeroGrad();
      }
      // torch.optim.Adam: m = b1·m + (1−b1)·g, v = b2·v + (1−b2)·g², p −= lr/(1−b1^t) · m / (√v/√(1−b2^t) + eps).
      const { lr, betas } = nadaAdamOptions();
      const ref = Float64Array.from(p0);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      grads.forEach((g, s) => {
        const t = s + 1;
        for (let i = 0; i < n; i++) {
          m[i] = betas[0] * m[i] + (1 - betas[0]) * g[i];
          v[i] = betas[1] * v[i] + (1 - betas[1]) * g[i] * g[i];
          ref[i] -= (lr / (1 - betas[0] ** t)) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - betas[1] ** t) + 1e-8));
        }
      });
      const got = await p.read();
      expectClose(got, ref, 2e-5, 'NADA Adam update');
      expect(Array.from(await frozen.read())).toEqual(Array.from(Float32Array.from(f0)));
    } finally {
      opt.dispose();
      for (const t of [p, frozen] as Tensor[]) t.dispose();
    }
  });

  it('rejects bad settings', () => {
    expect(() => nadaAdamOptions(0)).toThrow(/nadaAdamOptions: lr must be a positive number, got 0/);
    expect(() => nadaAdamOptions(0.002, 0)).toThrow(/nadaAdamOptions: gRegEvery must be a positive integer, got 0/);
    expect(() => createNadaOptimizer([], {})).toThrow(/Adam: got an empty parameter list/);
  });
});

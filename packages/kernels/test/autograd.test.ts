/**
 * The autograd core itself: accumulation over backward calls, shared (diamond) subgraphs, noGrad,
 * freezing between steps, and that backward keeps only the leaf gradients alive.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn, TOLERANCE } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, expectClose, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);
const rng = makeRng();
const f32 = (x: ArrayLike<number>) => Float64Array.from(Float32Array.from(x as ArrayLike<number>));

describe('autograd', () => {
  it('accumulates leaf gradients across two backward calls until zeroGrad', async () => {
    const rt = await testRuntime();
    const x = f32(randn(rng, 11));
    const p = rt.parameter(Float32Array.from(x), [11], 'p');
    rt.tidy(() => K.backward(K.sum(K.square(p)))); // 2p
    rt.tidy(() => K.backward(K.sum(K.mulScalar(p, 3)))); // + 3
    expect(p.grad!.isDisposed).toBe(false); // kept past both scopes
    expectClose(await p.grad!.read(), x.map((v) => 2 * v + 3), TOLERANCE.forward, 'accumulated grad');
    K.zeroGrad([p]);
    expect(p.grad).toBeNull();
    rt.tidy(() => K.backward(K.sum(K.mulScalar(p, -1.5))));
    expectClose(await p.grad!.read(), x.map(() => -1.5), TOLERANCE.forward, 'grad after zeroGrad');
    p.dispose();
  });

  it('a diamond graph (one tensor feeding two branches) sums both branches', async () => {
    // f = h·h + exp(h) + h, h = sin(x)·w: h is used by three consumers, x and w once each.
    await checkOp({
      label: 'diamond',
      inputs: [
        { shape: [3, 5], data: randn(rng, 15) },
        { shape: [5], data: randn(rng, 5) },
      ],
      shape: [3, 5],
      gpu: (_rt, [x, w]) => {
        const h = K.mul(K.sin(x), w);
        return K.add(K.add(K.mul(h, h), K.exp(h)), h);
      },
      ref: ([x, w]) =>
        x.map((v, i) => {
          const h = Math.sin(v) * w[i % 5];
          return h * h + Math.exp(h) + h;
        }),
    });
  });

  it('a tensor given twice to one op (x·x, x + x, matmul(x, x)) gets both gradients', async () => {
    await checkOp({
      label: 'x used twice per op',
      inputs: [{ shape: [4, 4], data: randn(rng, 16) }],
      shape: [4, 4],
      gpu: (_rt, [x]) => K.add(K.add(K.mul(x, x), K.add(x, x)), K.matmul(x, x)),
      ref: ([x]) =>
        x.map((v, idx) => {
          const [i, j] = [Math.floor(idx / 4), idx % 4];
          let mm = 0;
          for (let k = 0; k < 4; k++) mm += x[i * 4 + k] * x[k * 4 + j];
          return v * v + 2 * v + mm;
        }),
    });
  });

  it('noGrad records nothing: its results are constants for backward', async () => {
    const rt = await testRuntime();
    const x = f32(randn(rng, 6));
    const c = f32(randn(rng, 6));
    const p = rt.parameter(Float32Array.from(x), [2, 3]);
    rt.tidy(() => {
      const ct = rt.tensor(Float32Array.from(c), [2, 3]);
      const constant = rt.noGrad(() => K.mul(p, p));
      expect(constant.requiresGrad).toBe(false);
      expect(constant.gradFn).toBeNull();
      expect(rt.gradEnabled).toBe(true); // restored
      // d/dp Σ(p·c + p²|noGrad) = c
      K.backward(K.sum(K.add(K.mul(p, ct), constant)));
    });
    expectClose(await p.grad!.read(), c, TOLERANCE.forward, 'grad through noGrad');
    // noGrad restores the flag when its function throws.
    expect(() => rt.noGrad(() => K.sum(p, 5))).toThrow(/^sum: axis 5/);
    expect(rt.gradEnabled).toBe(true);
    p.dispose();
  });

  it('freezing (requiresGrad = false) between steps: the frozen leaf gets no gradient, then gets one again', async () => {
    const rt = await testRuntime();
    const a = rt.parameter(Float32Array.from(f32(randn(rng, 4))), [4], 'a');
    const b = rt.parameter(Float32Array.from(f32(randn(rng, 4))), [4], 'b');
    const bValues = await b.read();
    const loss = () => K.sum(K.mul(K.tanh(a), b)); // d/da = (1 − tanh²a)·b, d/db = tanh(a)
    rt.tidy(() => K.backward(loss()));
    expect(a.grad).not.toBeNull();
    expect(b.grad).not.toBeNull();
    K.zeroGrad([a, b]);

    a.requiresGrad = false;
    rt.tidy(() => {
      const frozenOnly = K.tanh(a);
      expect(frozenOnly.requiresGrad).toBe(false); // nothing recorded below a frozen leaf
      K.backward(loss());
    });
    expect(a.grad).toBeNull();
    expectClose(await b.grad!.read(), Array.from(await a.read(), Math.tanh), TOLERANCE.forward, 'b grad while a is frozen');
    K.zeroGrad([a, b]);

    b.requiresGrad = false;
    rt.tidy(() => expect(() => K.backward(loss())).toThrow(/^backward: .* does not require grad/));

    a.requiresGrad = b.requiresGrad = true;
    rt.tidy(() => K.backward(loss()));
    const ta = Array.from(await a.read(), Math.tanh);
    expectClose(await a.grad!.read(), ta.map((t, i) => (1 - t * t) * bValues[i]), TOLERANCE.forward, 'a grad after unfreezing');
    a.dispose();
    b.dispose();
  });

  it('backward frees every intermediate gradient: live tensors grow by the leaf gradients only', async () => {
    const rt = await testRuntime();
    const w1 = rt.parameter(Float32Array.from(randn(rng, 8 * 5)), [8, 5]);
    const b1 = rt.parameter(Float32Array.from(randn(rng, 8)), [8]);
    const w2 = rt.parameter(Float32Array.from(randn(rng, 3 * 8)), [3, 8]);
    const frozen = rt.parameter(Float32Array.from(randn(rng, 3)), [3]);
    frozen.requiresGrad = false;
    const leaves = [w1, b1, w2];
    await rt.tidyAsync(async () => {
      const x = rt.tensor(Float32Array.from(randn(rng, 4 * 5)), [4, 5]);
      const h = K.relu(K.linear(x, w1, b1));
      const y = K.add(K.linear(h, w2), frozen);
      const loss = K.mean(K.square(K.sub(y, K.mulScalar(y, 0.5))));
      const explicit = rt.tensor([1], []);

      const before = rt.liveTensors;
      const buffersBefore = rt.pool.getStats().buffersInUse;
      K.backward(loss);
      expect(rt.liveTensors - before, 'first backward: one new tensor per leaf gradient').toBe(leaves.length);
      // Leaf gradients may share storage (a backward can hand one tensor to two inputs), never more.
      expect(rt.pool.getStats().buffersInUse - buffersBefore).toBeLessThanOrEqual(leaves.length);
      expect(frozen.grad).toBeNull();

      // Accumulating replaces each gradient, so the count stays; the explicit seed survives.
      K.backward(loss, explicit);
      expect(rt.liveTensors - before, 'second backward: accumulated in place of the old gradients').toBe(leaves.length);
      expect(explicit.isDisposed).toBe(false);
      expect(await explicit.item()).toBe(1);
    });
    // The graph's tensors went with the scope; the kept leaf gradients stay until zeroGrad.
    for (const p of leaves) expect(p.grad!.isDisposed).toBe(false);
    const live = rt.liveTensors;
    K.zeroGrad(leaves);
    expect(rt.liveTensors).toBe(live - leaves.length);
    for (const p of [...leaves, frozen]) p.dispose();
  });
});

/**
 * Memory discipline of a training loop: 1000 steps of a small MLP (linear, unary ops, mean/sum,
 * backward, Adam, zeroGrad, each step inside `rt.tidy`) must reach a steady state after the first
 * few steps: no tensor, pooled buffer or pipeline more at the end than after the warm-up, and no
 * buffer created after it.
 */
import { afterAll, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

const STEPS = 1000;
const WARM_UP = 5;

function counters(rt: K.Runtime) {
  const pool = rt.pool.getStats();
  return { liveTensors: rt.liveTensors, buffersInUse: pool.buffersInUse, pipelines: rt.pipelineCount, created: pool.created };
}

it(`${STEPS} training steps leave tensors, pooled buffers and pipelines where the warm-up left them`, async () => {
  const rt = await testRuntime();
  const rng = makeRng();
  const [batch, inF, hidden, outF] = [6, 5, 12, 3];
  const before = counters(rt);
  const x = rt.keep(rt.tensor(Float32Array.from(randn(rng, batch * inF)), [batch, inF]));
  const target = rt.keep(rt.tensor(Float32Array.from(randn(rng, batch * outF)), [batch, outF]));
  const w1 = rt.parameter(Float32Array.from(randn(rng, hidden * inF)), [hidden, inF], 'w1');
  const b1 = rt.parameter(new Float32Array(hidden), [hidden], 'b1');
  const w2 = rt.parameter(Float32Array.from(randn(rng, outF * hidden)), [outF, hidden], 'w2');
  const b2 = rt.parameter(new Float32Array(outF), [outF], 'b2');
  const params = [w1, b1, w2, b2];
  const opt = new K.Adam(params, { lr: 0.01 });

  /** One step; returns the loss (kept: the caller disposes it). */
  const step = (i: number): K.Tensor =>
    rt.tidy(() => {
      // Freeze the first layer every third step (NADA's layer selection): its state must stay and nothing leak.
      w1.requiresGrad = b1.requiresGrad = i % 3 !== 2;
      const h = K.tanh(K.linear(x, w1, b1, { equalized: true }));
      const y = K.linear(K.relu(h), w2, b2);
      const err = K.square(K.sub(y, target));
      const loss = K.add(K.mean(err), K.mulScalar(K.sum(K.abs(w2)), 1e-4));
      K.backward(loss);
      opt.step();
      opt.zeroGrad();
      return rt.keep(loss);
    });

  const firstLoss = step(0);
  const lossStart = await firstLoss.item();
  firstLoss.dispose();
  for (let i = 1; i < WARM_UP; i++) step(i).dispose();
  await rt.sync();
  const warm = counters(rt);
  for (let i = WARM_UP; i < STEPS; i++) {
    step(i).dispose();
    // Keep the queue short: Dawn would otherwise hold every recorded batch until the end.
    if (i % 100 === 0) await rt.sync();
  }
  const lastLoss = step(STEPS);
  const lossEnd = await lastLoss.item();
  lastLoss.dispose();
  await rt.sync();
  const end = counters(rt);

  expect(end, `counters after ${STEPS} steps vs after ${WARM_UP}`).toEqual(warm);
  expect(lossEnd, 'the loop trained (so its ops really ran)').toBeLessThan(lossStart * 0.5);

  // What the loop owns beyond the inputs is the optimiser state: 2 moments per parameter.
  expect(warm.liveTensors - before.liveTensors).toBe(2 + params.length + 2 * params.length);
  opt.dispose();
  for (const t of [x, target, ...params]) t.dispose();
  expect(rt.liveTensors).toBe(before.liveTensors);
  expect(rt.pool.getStats().buffersInUse).toBe(before.buffersInUse);
});

/**
 * The navigator finds planted factors: on the toy generator (3 factors along a random rotation of
 * a 3-dimensional W, each painting an overlapping blob in its own channel) a navigator of 3
 * directions trained with the contrastive loss ends with every direction within cos ≥ 0.9 of a
 * different planted axis — 'fixed' with the binary and the prototype loss, 'ada' with the binary
 * loss (checked at several w). The loss goes down while it learns, the directions stay unit-norm,
 * and a step leaks no tensors. Seeds are fixed (printed): this is a convergence test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Navigator, type NavigatorType } from '../src/navigator/navigator.js';
import { NavigatorTrainer, type LossVariant } from '../src/navigator/navigator-trainer.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';

let rt: Runtime;
let toy: PlantedGenerator;
beforeAll(async () => {
  rt = await createRuntime();
  toy = new PlantedGenerator(rt, { wDim: 3, numWs: 1, factors: 3, resolution: 16, seed: 1 });
});
afterAll(() => {
  toy?.dispose();
  rt?.destroy();
});

/** |cos| of each direction (at w) against each planted axis: K×F. */
async function alignment(nav: Navigator, seeds: number[]): Promise<number[][][]> {
  const w = toy.sampleW(seeds);
  const d = rt.tidy(() => nav.directionsAt(w));
  const data = await d.read();
  d.dispose();
  w.dispose();
  const K = nav.count;
  return seeds.map((_, s) =>
    Array.from({ length: K }, (_, k) =>
      Array.from({ length: 3 }, (_, f) => {
        let dot = 0;
        for (let i = 0; i < 3; i++) dot += data[(s * K + k) * 3 + i] * toy.axes[f * 3 + i];
        return Math.abs(dot);
      }),
    ),
  );
}

async function trainAndCheck(type: NavigatorType, variant: LossVariant, lr: number, steps: number) {
  const nav = Navigator.create(rt, { wDim: 3, numWs: 1, directions: 3, type, heat: 'none' }, 3);
  const trainer = await NavigatorTrainer.create(toy, nav, pixelSensor(2), { pairs: 6, lr, variant, divLambda: 1, seed: 5 });
  try {
    const losses: number[] = [];
    let live = -1;
    for (let i = 0; i < steps; i++) {
      losses.push((await trainer.step()).loss);
      if (i === 2) live = rt.liveTensors;
    }
    expect(rt.liveTensors, 'tensors leaked by training steps').toBe(live);
    const first = losses.slice(0, 20).reduce((a, b) => a + b) / 20;
    const last = losses.slice(-20).reduce((a, b) => a + b) / 20;
    console.log(`${type}/${variant}: mean loss of the first 20 steps ${first.toFixed(3)}, last 20 ${last.toFixed(3)}`);
    expect(last).toBeLessThan(first - 0.3);
    for (const a of await alignment(nav, [7, 8, 9])) {
      const best = a.map((row) => row.indexOf(Math.max(...row)));
      console.log(`${type}/${variant}: |cos| to the planted axes ${a.map((r) => r.map((x) => x.toFixed(3)).join(' ')).join(' | ')}`);
      expect(new Set(best).size, 'each direction on a different axis').toBe(3);
      for (const row of a) expect(Math.max(...row)).toBeGreaterThanOrEqual(0.9);
    }
    // Unit norm: the directions the navigator uses, and for 'fixed' the stored vectors too.
    const w = toy.sampleW([1, 2]);
    const d = rt.tidy(() => nav.directionsAt(w));
    const data = await d.read();
    d.dispose();
    w.dispose();
    for (let r = 0; r < 6; r++) expect(Math.hypot(data[r * 3], data[r * 3 + 1], data[r * 3 + 2])).toBeCloseTo(1, 5);
    if (type === 'fixed') {
      const raw = await nav.parameters().get('directions')!.read();
      for (let k = 0; k < 3; k++) expect(Math.hypot(raw[k * 3], raw[k * 3 + 1], raw[k * 3 + 2])).toBeCloseTo(1, 5);
    }
  } finally {
    trainer.dispose();
    nav.dispose();
  }
}

describe('the navigator recovers planted factors (toy generator, pixel sensor; seeds 1/3/5)', () => {
  it("'fixed', binary loss, 100 steps", () => trainAndCheck('fixed', 'binary', 0.02, 100));
  it("'fixed', prototype loss, 100 steps", () => trainAndCheck('fixed', 'prototype', 0.02, 100));
  it("'ada', binary loss, 120 steps", () => trainAndCheck('ada', 'binary', 0.01, 120));
});

/**
 * The navigator in W+ with learned layer attention: on a toy whose 3 factors are read from 3
 * different W+ layers, a 'fixed' navigator with global heat (softmax over layers) puts each
 * direction on a different planted axis (|cos| ≥ 0.9), and each direction's heat rises above
 * uniform on the layer its factor is read from (the only layer where its step changes anything).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Navigator } from '../src/navigator/navigator.js';
import { NavigatorTrainer } from '../src/navigator/navigator-trainer.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';

let rt: Runtime;
let toy: PlantedGenerator;
beforeAll(async () => {
  rt = await createRuntime();
  toy = new PlantedGenerator(rt, { wDim: 3, numWs: 3, factors: 3, resolution: 16, seed: 1 });
});
afterAll(() => {
  toy?.dispose();
  rt?.destroy();
});

describe('the navigator in W+ with global layer heat (toy: factor k read from layer k; seeds 1/3/5)', () => {
  it("'fixed', binary loss, 100 steps: axes recovered, heat on the factor's layer", async () => {
    const nav = Navigator.create(rt, { wDim: 3, numWs: 3, directions: 3, type: 'fixed', heat: 'global' }, 3);
    const trainer = await NavigatorTrainer.create(toy, nav, pixelSensor(2), { pairs: 6, lr: 0.02, divLambda: 1, seed: 5 });
    try {
      await trainer.train(100);
      const set = await nav.toDirectionSet();
      for (let k = 0; k < 3; k++) {
        const cos = [0, 1, 2].map((f) => Math.abs([0, 1, 2].reduce((s, i) => s + set.vectors[k * 3 + i] * toy.axes[f * 3 + i], 0)));
        const f = cos.indexOf(Math.max(...cos));
        const heat = [...set.layerWeights.subarray(k * 3, k * 3 + 3)];
        console.log(`direction ${k}: |cos| ${cos.map((c) => c.toFixed(3)).join(' ')}, heat ${heat.map((h) => h.toFixed(3)).join(' ')}`);
        expect(cos[f]).toBeGreaterThanOrEqual(0.9);
        expect(heat[toy.factorLayers[f]]).toBeGreaterThan(1 / 3);
        expect(heat.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      }
    } finally {
      trainer.dispose();
      nav.dispose();
    }
  });
});

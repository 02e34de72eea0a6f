/**
 * Direction files (round trip, dispatch between navigator and direction-set files, refusals) and the
 * comparison table on the planted toy: the planted axes beat random directions after calibration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, writeSafetensors } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { layerRangeWeights, type DirectionSet, directionSetEditor } from '../src/direction-set.js';
import { disposeEditor, loadDirectionSet, loadEditor, saveDirectionSet } from '../src/direction-file.js';
import { compareMethods, comparisonMarkdown } from '../src/compare/method-comparison.js';
import { Navigator } from '../src/navigator/navigator.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';

let rt: Runtime;
let toy: PlantedGenerator;
beforeAll(async () => {
  rt = await createRuntime();
  toy = new PlantedGenerator(rt, { wDim: 6, numWs: 2, factors: 3, resolution: 16, seed: 8 });
});
afterAll(() => {
  toy?.dispose();
  rt?.destroy();
});

const truth = (): DirectionSet => {
  const layerWeights = new Float64Array(6);
  toy.factorLayers.forEach((l, k) => (layerWeights[k * 2 + l] = 1));
  return { method: 'truth', wDim: 6, numWs: 2, count: 3, vectors: toy.axes.slice(), layerWeights, names: ['a0', 'a1', 'a2'], stepScales: [1, 2, 3], scores: [3, 2, 1] };
};

function randomSet(seed: number): DirectionSet {
  const rng = new SeededRandom(seed);
  const v = new Float64Array(18).map(() => rng.normal());
  for (let k = 0; k < 3; k++) {
    const n = Math.hypot(...v.subarray(k * 6, k * 6 + 6));
    for (let i = 0; i < 6; i++) v[k * 6 + i] /= n;
  }
  return { method: 'random', wDim: 6, numWs: 2, count: 3, vectors: v, layerWeights: layerRangeWeights(3, 2), names: ['r0', 'r1', 'r2'], stepScales: [1, 1, 1] };
}

describe('direction files', () => {
  it('round-trips a direction set exactly (float64) and dispatches navigator files', async () => {
    const set = truth();
    const back = loadDirectionSet(saveDirectionSet(set), 'truth.safetensors');
    expect(back).toEqual(set);
    const nav = Navigator.create(rt, { wDim: 6, numWs: 2, directions: 3, type: 'fixed', heat: 'global' }, 1);
    const ed = loadEditor(rt, await nav.save(), 'nav.safetensors');
    expect(ed).toBeInstanceOf(Navigator);
    disposeEditor(ed);
    nav.dispose();
    expect(loadEditor(rt, saveDirectionSet(set)).names).toEqual(['a0', 'a1', 'a2']);
  });

  it('refuses other files clearly', () => {
    expect(() => loadEditor(rt, new Uint8Array([0, 1]), 'x.bin')).toThrow(/x.bin is not a safetensors file/);
    const other = writeSafetensors(new Map([['a', hostTensor('f32', [1], new Float32Array(1))]]), { format: 'stylegpu-world-predictor' });
    expect(() => loadEditor(rt, other, 'p.safetensors')).toThrow(/p.safetensors has format 'stylegpu-world-predictor'; expected a navigator/);
    expect(() => loadDirectionSet(other, 'p.safetensors')).toThrow(/expected 'stylegpu-directions'/);
    const bad = { ...truth(), vectors: new Float64Array(18).fill(1) };
    expect(() => saveDirectionSet(bad)).toThrow(/direction 0 has norm 2.449490, expected unit vectors/);
  });
});

describe('compareMethods on the toy', () => {
  it('after calibration the planted axes score 1 and beat random directions', async () => {
    const predict = (im: Parameters<typeof toy.predictFactors>[0]) => toy.predictFactors(im);
    const rows = await compareMethods(
      toy,
      [
        { name: 'truth', editor: directionSetEditor(truth()) },
        { name: 'random', editor: directionSetEditor(randomSet(4)) },
      ],
      predict,
      { seeds: [1, 2, 3, 4, 5, 6, 7, 8], alphas: [-1, 1], calibrate: { sensor: pixelSensor(2), seeds: [11, 12, 13, 14], target: 0.4 }, effectThreshold: 0.2 },
    );
    expect(rows.map((r) => r.method)).toEqual(['truth', 'random']);
    expect(rows[0].scores.disentanglement).toBeGreaterThan(0.999);
    expect(rows[0].scores.discovered).toBe(3);
    expect(rows[1].scores.disentanglement).toBeLessThan(rows[0].scores.disentanglement - 0.2);
    expect(rows[0].stepScales).not.toEqual([1, 2, 3]);
    const md = comparisonMarkdown(rows);
    expect(md).toMatch(/\| truth \| 3 \| 1\.000 \| 1\.000 \| 3 \/ 3 \|/);
    await expect(compareMethods(toy, [], predict)).rejects.toThrow(/no methods/);
  });
});

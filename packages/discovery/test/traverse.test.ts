/**
 * Traversal grids and GIFs on the planted toy (walking axis k changes only blob k's channel), and
 * step calibration (a fixed point, independent of the starting scale for the linear toy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, expand, reshape, type Runtime } from '@stylegpu/kernels';
import { directionSetEditor, type DirectionSet } from '../src/direction-set.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';
import { chwToRaster, renderTraversal, traversalGif, traversalGrid } from '../src/traverse/traversal.js';
import { calibrateSteps } from '../src/traverse/calibrate.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';

let rt: Runtime;
let toy: PlantedGenerator;
beforeAll(async () => {
  rt = await createRuntime();
  toy = new PlantedGenerator(rt, { wDim: 6, numWs: 2, factors: 3, resolution: 16, seed: 2 });
});
afterAll(() => {
  toy?.dispose();
  rt?.destroy();
});

const axes = (scales = [1, 1, 1]): DirectionSet => {
  const layerWeights = new Float64Array(6);
  toy.factorLayers.forEach((l, k) => (layerWeights[k * 2 + l] = 1));
  return { method: 'truth', wDim: 6, numWs: 2, count: 3, vectors: toy.axes.slice(), layerWeights, names: ['a0', 'a1', 'a2'], stepScales: scales };
};

describe('traversals', () => {
  it('a grid row per direction × seed, a column per step; axis k changes only channel k inside its blob', async () => {
    const t = await renderTraversal(toy, directionSetEditor(axes([3, 3, 3])), { directions: [0, 2], seeds: [4, 5], alphas: [-1, 0, 1], batch: 4 });
    expect(t.frames.length).toBe(2);
    expect(t.frames[0].length).toBe(2);
    expect(t.frames[0][0].length).toBe(3);
    const grid = traversalGrid(t, 2);
    expect([grid.width, grid.height]).toEqual([3 * 16 + 4 * 2, 4 * 16 + 5 * 2]);
    const P = 3 * 16 * 16;
    for (const [di, k] of [[0, 0], [1, 2]] as const) {
      const [lo, mid, hi] = t.frames[di][0];
      let changedInBlob = 0;
      for (let i = 0; i < 16 * 16; i++) {
        for (let c = 0; c < 3; c++) {
          const inBlob = toy.patterns[k * P + c * 256 + i] !== 0;
          const diff = Math.abs(hi.data[i * 3 + c] - lo.data[i * 3 + c]);
          if (!inBlob) expect(diff, `pixel ${i} channel ${c} outside blob ${k}`).toBe(0);
          else if (diff > 0) changedInBlob++;
        }
      }
      expect(changedInBlob).toBeGreaterThan(10);
      expect(mid.data.length).toBe(16 * 16 * 3);
    }
    // The α = 0 column is the plain image of the seed.
    const img = rt.tidy(() => toy.synthesize(expand(reshape(toy.sampleW([4]), [1, 1, 6]), [1, 2, 6])));
    expect(chwToRaster(await img.read(), 0, 3, 16, 16).data).toEqual(t.frames[0][0][1].data);
    img.dispose();
    const gif = traversalGif(t, 1, 50);
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    expect(() => traversalGif(t, 2)).toThrow(/direction index 2 is not in 0..1/);
    await expect(renderTraversal(toy, directionSetEditor(axes()), { directions: [3] })).rejects.toThrow(/direction 3 is not in 0..2/);
  });
});

describe('calibrateSteps', () => {
  it('reaches a fixed point: re-calibrating the result changes it by < 0.1 %; the start scale does not matter', async () => {
    const sensor = pixelSensor(2);
    const seeds = [1, 2, 3, 4, 5, 6];
    const a = await calibrateSteps(toy, directionSetEditor(axes([1, 1, 1])), sensor, { seeds, target: 0.3 });
    const b = await calibrateSteps(toy, directionSetEditor(axes([10, 0.1, 4])), sensor, { seeds, target: 0.3, iterations: 6 });
    const again = await calibrateSteps(toy, directionSetEditor(axes(a)), sensor, { seeds, target: 0.3, iterations: 1 });
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(again[k] / a[k] - 1)).toBeLessThan(1e-3);
      expect(Math.abs(b[k] / a[k] - 1)).toBeLessThan(1e-3);
    }
    // Doubling the target doubles the (linear) step.
    const c = await calibrateSteps(toy, directionSetEditor(axes(a)), sensor, { seeds, target: 0.6 });
    for (let k = 0; k < 3; k++) expect(c[k] / a[k]).toBeCloseTo(2, 3);
    await expect(calibrateSteps(toy, directionSetEditor(axes()), sensor, { seeds: [1] })).rejects.toThrow(/at least 2 seeds/);
  });

  it('refuses a direction that changes nothing', async () => {
    const set = axes();
    // A unit vector orthogonal to every planted axis: Gram–Schmidt of e_0 against them.
    const v = new Float64Array(6);
    v[0] = 1;
    for (let k = 0; k < 3; k++) {
      const dot = [...Array(6).keys()].reduce((s, i) => s + v[i] * toy.axes[k * 6 + i], 0);
      for (let i = 0; i < 6; i++) v[i] -= dot * toy.axes[k * 6 + i];
    }
    const n = Math.hypot(...v);
    set.vectors.set(v.map((x) => x / n), 6);
    await expect(calibrateSteps(toy, directionSetEditor(set), pixelSensor(1))).rejects.toThrow(/direction 1 \(a1\) changes nothing/);
  });
});

import { synthesisLayers } from '@stylegpu/stylegan';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { destroyTestRuntime, expectClose, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { adaptiveLayerFilter, layersForWIndices, topIndices, wPlusChange } from '../src/index.js';
import { generatorConfig, parameterNames } from './layout.js';

afterAll(destroyTestRuntime);

const CONFIG_16 = generatorConfig(16, 2, 1 / 64);
const LAYERS_16 = synthesisLayers(CONFIG_16); // 6 ws
const LAYERS_1024 = synthesisLayers(generatorConfig(1024));

/** W+ before and after, where index i moved by about `change[i]` on average. */
function wPlus(N: number, change: number[], D: number): { before: Float64Array; after: Float64Array; expected: Float64Array } {
  const rng = makeRng();
  const before = randn(rng, N * change.length * D);
  const after = Float64Array.from(before);
  const expected = new Float64Array(change.length);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < change.length; i++)
      for (let d = 0; d < D; d++) {
        const k = (n * change.length + i) * D + d;
        const delta = change[i] * (1 + 0.5 * Math.sin(k)) * (k % 2 ? 1 : -1);
        after[k] = before[k] + delta;
        expected[i] += Math.abs(Math.fround(after[k]) - Math.fround(before[k])) / (N * D);
      }
  return { before, after, expected };
}

describe('adaptive layer selection', () => {
  it('scores W+ indices by mean |Δw| and picks the top k as the forward pass consumes them', async () => {
    const rt = await testRuntime();
    const change = [0.1, 0.5, 0.05, 0.9, 0.2, 0.3];
    const { before, after, expected } = wPlus(3, change, 5);
    await rt.tidyAsync(async () => {
      const b = rt.tensor(Float32Array.from(before), [3, 6, 5]);
      const a = rt.tensor(Float32Array.from(after), [3, 6, 5]);
      expectClose(await wPlusChange(b, a).read(), expected, 2e-5, 'wPlusChange');

      const choice = await adaptiveLayerFilter(b, a, 2, LAYERS_16);
      expect(choice.indices).toEqual([3, 1]);
      // w3 feeds b16.conv0 (and b8.torgb); w1 feeds b8.conv0 (and b4.torgb).
      expect(choice.layers).toEqual(['b16.conv0', 'b8.conv0']);
      const trained = parameterNames(CONFIG_16).filter(choice.filter).sort();
      expect(trained).toEqual(
        ['b16.conv0', 'b8.conv0'].flatMap((l) => ['weight', 'bias', 'affine.weight', 'affine.bias', 'noise_strength'].map((f) => `synthesis.${l}.${f}`)).sort(),
      );

      const withRgb = await adaptiveLayerFilter(b, a, 3, LAYERS_16, { includeToRgb: true });
      expect(withRgb.indices).toEqual([3, 1, 5]);
      expect(withRgb.layers).toEqual(['b8.torgb', 'b16.conv0', 'b4.torgb', 'b8.conv0', 'b16.torgb']);

      // The official map is one index off: 3 → convs[1] = b8.conv1, 1 → to_rgb1, 5 → convs[3] = b16.conv1.
      const official = await adaptiveLayerFilter(b, a, 3, LAYERS_16, { indexMapping: 'official' });
      expect(official.layers).toEqual(['b8.conv1', 'b4.torgb', 'b16.conv1']);
      expect(official.filter('synthesis.b4.torgb.affine.weight')).toBe(true);
      expect(official.filter('synthesis.b16.conv1.noise_const')).toBe(false);
    });
  });

  it('maps every index at 1024 px (18 ws): forward w[j+1] → convs[j], official w[i] → convs[i−2]', () => {
    expect(layersForWIndices([0, 1, 2, 17], LAYERS_1024)).toEqual(['b4.conv1', 'b8.conv0', 'b8.conv1']);
    expect(layersForWIndices([15, 16], LAYERS_1024)).toEqual(['b1024.conv0', 'b1024.conv1']);
    expect(layersForWIndices([17], LAYERS_1024, { includeToRgb: true })).toEqual(['b1024.torgb']);
    expect(layersForWIndices([0, 1, 2, 17], LAYERS_1024, { indexMapping: 'official' })).toEqual(['b4.conv1', 'b4.torgb', 'b8.conv0', 'b1024.conv1']);
    const all = layersForWIndices([...Array(18).keys()], LAYERS_1024);
    expect(all.length).toBe(17); // every conv once; w17 is read by the last ToRGB only
  });

  it('ranks ties by lower index, as a stable top-k', () => {
    expect(topIndices([0.5, 0.7, 0.7, 0.1], 3)).toEqual([1, 2, 0]);
    expect(topIndices([0.5, 0.7], 0)).toEqual([]);
  });

  it('rejects bad inputs before any work', async () => {
    const rt = await testRuntime();
    await rt.tidyAsync(async () => {
      const w = rt.tensor(new Float32Array(2 * 6 * 4), [2, 6, 4]);
      const w5 = rt.tensor(new Float32Array(2 * 5 * 4), [2, 5, 4]);
      const wFlat = rt.tensor(new Float32Array(6 * 4), [6, 4]);
      const live = rt.liveTensors;
      await expect(adaptiveLayerFilter(w, w, 7, LAYERS_16)).rejects.toThrow(/adaptiveLayerFilter: k must be an integer in \[0, 6\], got 7/);
      await expect(adaptiveLayerFilter(w5, w5, 1, LAYERS_16)).rejects.toThrow(/adaptiveLayerFilter: W\+ \[2, 5, 4\] has 5 ws but the layers read 6/);
      await expect(adaptiveLayerFilter(w, w, 1, LAYERS_16, { indexMapping: 'nada' as never })).rejects.toThrow(/unknown indexMapping 'nada'/);
      await expect(adaptiveLayerFilter(w, w, 1, [])).rejects.toThrow(/adaptiveLayerFilter: needs the synthesis layer list/);
      expect(() => wPlusChange(w, w5)).toThrow(/wPlusChange: before and after must have the same shape \(before \[2, 6, 4\], after \[2, 5, 4\]\)/);
      expect(() => wPlusChange(wFlat, wFlat)).toThrow(/wPlusChange: W\+ must be a non-empty \[N, numWs, D\]/);
      expect(() => layersForWIndices([6], LAYERS_16)).toThrow(/W\+ index 6 is out of range for 6 ws/);
      expect(() => layersForWIndices([1], LAYERS_16, { indexMapping: 'official', includeToRgb: true })).toThrow(/includeToRgb applies to the forward mapping only/);
      expect(() => topIndices([1, 2], 1.5)).toThrow(/topIndices: k must be an integer/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

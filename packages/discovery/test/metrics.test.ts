/**
 * The disentanglement scores on hand-made effect matrices with known answers, and the measured
 * effect matrix on the planted toy generator (its axes are the ground-truth directions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { disentanglementScores } from '../src/metrics/disentanglement.js';
import { change, factorEffects } from '../src/metrics/factor-effects.js';
import { directionSetEditor, layerRangeWeights, type DirectionSet } from '../src/direction-set.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';

describe('disentanglementScores on hand-made matrices', () => {
  it('a permutation matrix is perfect', () => {
    const s = disentanglementScores([0, 2, 0, 0, 0, 1, 3, 0, 0], 3, 3);
    expect(s.gaps).toEqual([1, 1, 1]);
    expect(s.topFactor).toEqual([1, 2, 0]);
    expect(s.disentanglement).toBeCloseTo(1, 15);
    expect(s.completeness).toBeCloseTo(1, 15);
    expect(s.discovered).toBe(3);
    expect(s.discoveredBy).toEqual([2, 0, 1]);
  });

  it('[[2, 1], [0, 1]]: gaps ½ and 1, Dis = ¾·½ + ¼·1, completeness ½·1 + ½·0, both discovered', () => {
    const s = disentanglementScores([2, 1, 0, 1], 2, 2);
    expect(s.gaps).toEqual([0.5, 1]);
    expect(s.disentanglement).toBeCloseTo(0.625, 15);
    expect(s.completenessPerFactor[0]).toBe(1);
    expect(s.completenessPerFactor[1]).toBeCloseTo(0, 15);
    expect(s.completeness).toBeCloseTo(0.5, 15);
    expect(s.discoveredBy).toEqual([0, 1]);
    // A stricter gap threshold drops direction 0's discovery; a higher effect threshold drops direction 1's.
    expect(disentanglementScores([2, 1, 0, 1], 2, 2, { gapThreshold: 0.6 }).discoveredBy).toEqual([-1, 1]);
    expect(disentanglementScores([2, 1, 0, 1], 2, 2, { effectThreshold: 1.5 }).discoveredBy).toEqual([0, -1]);
  });

  it('an entangled direction and an idle one', () => {
    const s = disentanglementScores([1, 1, 0, 0], 2, 2);
    expect(s.gaps).toEqual([0, 0]);
    expect(s.topFactor[1]).toBe(-1);
    expect(s.disentanglement).toBe(0);
    expect(s.completeness).toBe(1); // each factor is carried by direction 0 alone
    expect(s.discovered).toBe(0);
  });

  it('uniform columns over D directions have completeness 0; D = 1 or F = 1 are complete / gapless by definition', () => {
    const s = disentanglementScores([1, 0, 1, 0, 1, 0, 1, 0], 4, 2);
    expect(s.completenessPerFactor[0]).toBeCloseTo(0, 15);
    expect(s.completenessPerFactor[1]).toBe(0);
    expect(disentanglementScores([3, 1], 1, 2).completeness).toBe(1);
    expect(disentanglementScores([3, 1], 2, 1).gaps).toEqual([1, 1]);
    const zero = disentanglementScores([0, 0, 0, 0], 2, 2);
    expect([zero.disentanglement, zero.completeness, zero.discovered]).toEqual([0, 0, 0]);
  });

  it('the same factor found twice counts once, by its stronger direction', () => {
    const s = disentanglementScores([1, 0, 3, 0], 2, 2);
    expect(s.discovered).toBe(1);
    expect(s.discoveredBy).toEqual([1, -1]);
  });

  it('refuses bad matrices', () => {
    expect(() => disentanglementScores([1, 2, 3], 2, 2)).toThrow(/expected a 2×2 effect matrix \(4 values\), got 3/);
    expect(() => disentanglementScores([1, -1, 0, 0], 2, 2)).toThrow(/effect \[0, 1\] is -1; effects must be finite and ≥ 0/);
    expect(() => disentanglementScores([1, NaN, 0, 0], 2, 2)).toThrow(/effect \[0, 1\] is NaN/);
  });

  it('change(): linear, circular wrap, categorical', () => {
    expect(change('linear', 0.2, 0.7)).toBeCloseTo(0.5, 15);
    expect(change('circular', 0.95, 0.05)).toBeCloseTo(0.1, 12);
    expect(change('circular', 0.5, 0)).toBe(0.5);
    expect(change('categorical', 2, 2)).toBe(0);
    expect(change('categorical', 1, 2)).toBe(1);
  });
});

describe('factorEffects on the planted toy generator', () => {
  let rt: Runtime;
  let toy: PlantedGenerator;
  beforeAll(async () => {
    rt = await createRuntime();
    toy = new PlantedGenerator(rt, { wDim: 12, numWs: 3, factors: 4, seed: 4 });
  });
  afterAll(() => {
    toy?.dispose();
    rt?.destroy();
  });

  const axesSet = (): DirectionSet => {
    const layerWeights = new Float64Array(4 * 3);
    toy.factorLayers.forEach((l, k) => (layerWeights[k * 3 + l] = 1));
    return { method: 'truth', wDim: 12, numWs: 3, count: 4, vectors: toy.axes.slice(), layerWeights, names: ['a0', 'a1', 'a2', 'a3'], stepScales: [0.5, 1, 1, 2] };
  };

  it('the planted axes give a diagonal matrix of mean|α|·σ_d / spread_f, and perfect scores', async () => {
    const seeds = [3, 4, 5, 6, 7, 8, 9, 10];
    const alphas = [-1, 2];
    const res = await factorEffects(toy, directionSetEditor(axesSet()), (im) => toy.predictFactors(im), { seeds, alphas, batch: 5 });
    const scales = [0.5, 1, 1, 2];
    for (let d = 0; d < 4; d++) {
      for (let f = 0; f < 4; f++) {
        const e = res.effects[d * 4 + f];
        if (d === f) expect(e).toBeCloseTo((1.5 * scales[d]) / res.spread[f], 4);
        else expect(e).toBeLessThan(1e-4);
      }
    }
    // Direction 0 walks only 0.5 per unit step against factor 0's σ of 2: effect ≈ 0.375 < the default 0.5.
    const s = disentanglementScores(res.effects, 4, 4);
    expect(s.discovered).toBe(3);
    const loose = disentanglementScores(res.effects, 4, 4, { effectThreshold: 0.2 });
    expect(loose.disentanglement).toBeGreaterThan(0.999);
    expect(loose.completeness).toBeGreaterThan(0.999);
    expect(loose.discovered).toBe(4);
  });

  it('the spread is the std of the factor over the seeds (checked on the CPU from the sampled w)', async () => {
    const seeds = [0, 1, 2, 3, 4, 5];
    const res = await factorEffects(toy, directionSetEditor(axesSet()), (im) => toy.predictFactors(im), { seeds, alphas: [1] });
    const w = toy.sampleW(seeds);
    const host = await w.read();
    w.dispose();
    for (let f = 0; f < 4; f++) {
      const vals = seeds.map((_, s) => {
        let dot = 0;
        for (let i = 0; i < 12; i++) dot += host[s * 12 + i] * toy.axes[f * 12 + i];
        return dot;
      });
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
      expect(res.spread[f]).toBeCloseTo(sd, 4);
    }
  });

  it('random directions score worse than the axes', async () => {
    const rng = new SeededRandom(11);
    const vectors = new Float64Array(4 * 12).map(() => rng.normal());
    for (let k = 0; k < 4; k++) {
      const n = Math.hypot(...vectors.subarray(k * 12, k * 12 + 12));
      for (let i = 0; i < 12; i++) vectors[k * 12 + i] /= n;
    }
    const set: DirectionSet = { method: 'random', wDim: 12, numWs: 3, count: 4, vectors, layerWeights: layerRangeWeights(4, 3), names: ['r0', 'r1', 'r2', 'r3'], stepScales: [1, 1, 1, 1] };
    const res = await factorEffects(toy, directionSetEditor(set), (im) => toy.predictFactors(im), { seeds: [1, 2, 3, 4, 5, 6] });
    const s = disentanglementScores(res.effects, 4, 4);
    expect(s.disentanglement).toBeLessThan(0.8);
    expect(s.completeness).toBeLessThan(0.8);
  });

  it('refuses bad options and mismatched predictors', async () => {
    const ed = directionSetEditor(axesSet());
    const p = (im: Parameters<typeof toy.predictFactors>[0]) => toy.predictFactors(im);
    await expect(factorEffects(toy, ed, p, { alphas: [0, 1] })).rejects.toThrow(/alphas must be finite and non-zero/);
    await expect(factorEffects(toy, ed, p, { factorKinds: ['linear'] })).rejects.toThrow(/1 factor kinds for 4 predicted factors/);
    await expect(factorEffects(toy, ed, async () => [[1]])).rejects.toThrow(/returned 1 rows for 16 images/);
    await expect(factorEffects(toy, ed, async (im) => Array.from({ length: im.shape[0] }, () => [0.5]))).rejects.toThrow(/factor 'factor0' does not vary over the 16 seeds.*pass factorSpread/);
    const other = new PlantedGenerator(rt, { wDim: 8, numWs: 3, factors: 2 });
    try {
      await expect(factorEffects(other, ed, p)).rejects.toThrow(/directions are for w_dim 12 × 3 ws, the generator has 8 × 3/);
    } finally {
      other.dispose();
    }
  });
});

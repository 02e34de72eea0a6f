import { type Tensor } from '@stylegpu/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { finiteDifferenceGrads, makeRng, randn, SEED } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, expectClose, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { LatentMapper, createLatentMapper, embeddingNormLoss, latentL2Loss, mapperGroups } from '../src/index.js';
import { type MapperGroupRef, mapperDeltaBackwardRef, mapperDeltaRef } from './reference/latent-mapper.js';

afterAll(destroyTestRuntime);

const MODULES = ['course_mapping', 'medium_mapping', 'fine_mapping'];

/** Inputs for checkCase: w, then per enabled group 4 × (weight, bias), with weights ~N(0,1)/0.01 as initialised. */
function mapperCase(N: number, numWs: number, D: number, enabled: boolean[], withBackward: boolean) {
  const rng = makeRng();
  const groups = mapperGroups(numWs);
  const inputs: Array<{ shape: number[]; data: Float64Array; grad?: boolean }> = [{ shape: [N, numWs, D], data: randn(rng, N * numWs * D) }];
  const names: string[] = [];
  groups.forEach((g, gi) => {
    if (!enabled[gi]) return;
    for (let l = 1; l <= 4; l++) {
      // An empty group's parameters exist (as the official modules do) but get no gradient.
      const grad = g.end > g.start;
      inputs.push({ shape: [D, D], data: randn(rng, D * D, 100), grad });
      names.push(`${g.module}.mapping.${l}.weight`);
      inputs.push({ shape: [D], data: randn(rng, D, 30), grad });
      names.push(`${g.module}.mapping.${l}.bias`);
    }
  });
  const opts = { numWs, wDim: D, noCoarse: !enabled[0], noMedium: !enabled[1], noFine: !enabled[2] };
  const refGroups = (xs: Float64Array[]): MapperGroupRef[] => {
    let k = 1;
    return groups.map((g, gi) => {
      if (!enabled[gi]) return { ...g, params: null };
      const weights: Float64Array[] = [];
      const biases: Float64Array[] = [];
      for (let l = 0; l < 4; l++) {
        weights.push(xs[k++]);
        biases.push(xs[k++]);
      }
      return { ...g, params: { weights, biases } };
    });
  };
  return {
    label: `mapper N=${N} numWs=${numWs} D=${D} enabled=${enabled}`,
    inputs,
    shape: [N, numWs, D],
    noBackward: !withBackward,
    gpu: (_rt: unknown, xs: Tensor[]) => {
      const mapper = new LatentMapper(new Map(names.map((n, i) => [n, xs[i + 1]])), opts);
      return mapper.edit(xs[0]);
    },
    ref: (xs: Float64Array[]) => {
      const delta = mapperDeltaRef(xs[0], N, numWs, D, refGroups(xs));
      return Float64Array.from(xs[0], (v, i) => v + 0.1 * delta[i]);
    },
    // Analytic float64 gradients rather than finite differences: with weights ~N(0,1)/0.01 a central
    // difference can straddle a leaky-ReLU kink and disagree with any exact gradient (seed 1848164589
    // did, at 3.4e-3). The hand-written backward is itself checked against finite differences below.
    refGrad: (xs: Float64Array[], gOut: Float64Array) => {
      const b = mapperDeltaBackwardRef(xs[0], N, numWs, D, refGroups(xs), gOut);
      const grads: Array<Float64Array | null> = [Float64Array.from(gOut, (v, i) => v + 0.1 * b.gw[i])];
      groups.forEach((g, gi) => {
        if (!enabled[gi]) return;
        for (let l = 0; l < 4; l++) {
          const empty = g.end === g.start;
          grads.push(empty ? null : b.groups[gi]!.gWeights[l].map((v) => 0.1 * v));
          grads.push(empty ? null : b.groups[gi]!.gBiases[l].map((v) => 0.1 * v));
        }
      });
      return grads;
    },
  };
}

describe('latent mapper', () => {
  it('splits W+ into coarse [0,4), medium [4,8), fine [8,numWs)', () => {
    const span = (n: number) => mapperGroups(n).map((g) => [g.name, g.start, g.end]);
    expect(span(18)).toEqual([
      ['coarse', 0, 4],
      ['medium', 4, 8],
      ['fine', 8, 18],
    ]);
    expect(span(14)).toEqual([
      ['coarse', 0, 4],
      ['medium', 4, 8],
      ['fine', 8, 14],
    ]);
    expect(span(6)).toEqual([
      ['coarse', 0, 4],
      ['medium', 4, 6],
      ['fine', 6, 6],
    ]);
    expect(span(2)).toEqual([
      ['coarse', 0, 2],
      ['medium', 2, 2],
      ['fine', 2, 2],
    ]);
    expect(() => mapperGroups(0)).toThrow(/mapperGroups: numWs must be a positive integer, got 0/);
  });

  it('w + 0.1·M(w) at 16 px (6 ws, empty fine group), tiny width: forward and backward in w and every parameter', async () => {
    await checkOp(mapperCase(2, 6, 3, [true, true, true], true));
  });

  it('the float64 reference backward agrees with central differences of the float64 forward', () => {
    // Three random cases per run; a tiny step (1e-7 of the input's scale) keeps a difference from
    // straddling a leaky-ReLU kink except by a rare accident, and float64 keeps its rounding far below.
    for (const [N, numWs, D, enabled] of [
      [2, 6, 3, [true, true, true]],
      [1, 18, 2, [true, false, true]],
      [3, 10, 4, [false, true, true]],
    ] as Array<[number, number, number, boolean[]]>) {
      const c = mapperCase(N, numWs, D, enabled, true);
      const xs = c.inputs.map((i) => Float64Array.from(i.data));
      const gOut = randn(makeRng(SEED + 11), N * numWs * D);
      const analytic = c.refGrad(xs, gOut);
      const fd = finiteDifferenceGrads(c.ref, xs, gOut, c.inputs.map((i) => i.grad !== false), 1e-7);
      expect(analytic.length).toBe(fd.length);
      analytic.forEach((g, k) => {
        if (!fd[k]) return expect(g, `${c.label}: input ${k} should have no gradient`).toBeNull();
        expectClose(g!, fd[k]!, 1e-6, `${c.label} reference grad of input ${k}`);
      });
    }
  });

  it('1024-px split (18 ws: 4/4/10), batch 1, medium disabled: forward and backward', async () => {
    await checkOp(mapperCase(1, 18, 2, [true, false, true], true));
  });

  it('createLatentMapper: official names and shapes, N(0,1)/0.01 weights, zero biases; shapes through the edit', async () => {
    const rt = await testRuntime();
    const mapper = createLatentMapper(rt, { numWs: 18, wDim: 16, seed: 3, noFine: true });
    try {
      expect([...mapper.params.keys()].slice(0, 2)).toEqual(['course_mapping.mapping.1.weight', 'course_mapping.mapping.1.bias']);
      expect(mapper.parameters().length).toBe(2 * 4 * 2);
      expect([...mapper.params.keys()].some((n) => n.startsWith('fine_mapping'))).toBe(false);
      const w = Array.from(await mapper.params.get('medium_mapping.mapping.3.weight')!.read());
      const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      expect(std).toBeGreaterThan(70);
      expect(std).toBeLessThan(130);
      expect([...(await mapper.params.get('course_mapping.mapping.4.bias')!.read())].every((v) => v === 0)).toBe(true);
      expect(mapper.params.get('course_mapping.mapping.1.weight')!.requiresGrad).toBe(true);
      await rt.tidyAsync(async () => {
        const ws = rt.tensor(Float32Array.from(randn(makeRng(), 2 * 18 * 16)), [2, 18, 16]);
        const delta = mapper.delta(ws);
        expect(delta.shape).toEqual([2, 18, 16]);
        const d = await delta.read();
        // The disabled fine group contributes nothing: rows 8..17 of M(w) are zero.
        for (let n = 0; n < 2; n++) for (let i = 8 * 16; i < 18 * 16; i++) expect(d[n * 18 * 16 + i]).toBe(0);
        expect(mapper.edit(ws, delta).shape).toEqual([2, 18, 16]);
      });
    } finally {
      mapper.dispose();
    }
  });

  it('latent L2 = mean((0.1·M(w))²) and the embedding-norm loss: forward and backward', async () => {
    const rng = makeRng();
    await checkOp({
      label: 'latentL2Loss',
      inputs: [{ shape: [2, 3, 5], data: randn(rng, 30) }],
      shape: [],
      gpu: (_rt, [d]) => latentL2Loss(d),
      ref: ([d]) => Float64Array.of(d.reduce((a, v) => a + (0.1 * v) ** 2, 0) / d.length),
    });
    const norms = (e: Float64Array, B: number, D: number) => Array.from({ length: B }, (_, b) => Math.hypot(...e.subarray(b * D, (b + 1) * D)));
    for (const B of [1, 3]) {
      await checkOp({
        label: `embeddingNormLoss B=${B}`,
        inputs: [
          { shape: [B, 7], data: randn(rng, B * 7) },
          { shape: [B, 7], data: randn(rng, B * 7, 2) },
        ],
        shape: [],
        gpu: (_rt, [a, b]) => embeddingNormLoss(a, b),
        ref: ([a, b]) => {
          const na = norms(a, B, 7);
          const nb = norms(b, B, 7);
          return Float64Array.of(na.reduce((s, v, i) => s + (v - nb[i]) ** 2, 0) / B);
        },
      });
    }
  });

  it('rejects bad inputs before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const W = rt.tensor(new Float32Array(9), [3, 3]);
      const b = rt.tensor(new Float32Array(3), [3]);
      const params = new Map<string, Tensor>();
      for (const m of MODULES.slice(0, 2))
        for (let l = 1; l <= 4; l++) {
          params.set(`${m}.mapping.${l}.weight`, W);
          params.set(`${m}.mapping.${l}.bias`, b);
        }
      expect(() => new LatentMapper(params, { numWs: 6, wDim: 3 })).toThrow(/LatentMapper: missing parameter fine_mapping.mapping.1.weight \[3, 3\]/);
      const mapper = new LatentMapper(params, { numWs: 6, wDim: 3, noFine: true });
      expect(() => new LatentMapper(params, { numWs: 6, wDim: 4, noFine: true })).toThrow(/LatentMapper: parameter course_mapping.mapping.1.weight is \[3, 3\], expected \[4, 4\]/);
      const wrong = rt.tensor(new Float32Array(2 * 5 * 3), [2, 5, 3]);
      const e2 = rt.tensor(new Float32Array(6), [2, 3]);
      const e3 = rt.tensor(new Float32Array(9), [3, 3]);
      const live = rt.liveTensors;
      expect(() => mapper.delta(wrong)).toThrow(/LatentMapper: w must be \[N, 6, 3\], got \[2, 5, 3\]/);
      expect(() => embeddingNormLoss(e2, e3)).toThrow(/embeddingNormLoss: before and after must have the same shape \(before \[2, 3\], after \[3, 3\]\)/);
      expect(() => createLatentMapper(rt, { numWs: 6, wDim: 0 })).toThrow(/createLatentMapper: wDim must be a positive integer, got 0/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

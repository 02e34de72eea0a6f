/**
 * GANSpace and SeFa recover planted axes: on the toy generator (w varies most along its factor
 * axes; each axis paints its own blob) and on a tiny StyleGAN2 whose mapping output varies only
 * along three coordinates (GANSpace) and whose affines are planted rank-3 maps (SeFa).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Generator, initGeneratorWeights, networkConfig } from '@stylegpu/stylegan';
import { ganspace, ganspaceFromSamples } from '../src/baselines/ganspace.js';
import { pca } from '../src/baselines/pca.js';
import { sefa, sefaFromWeights } from '../src/baselines/sefa.js';
import { styleGanLatents } from '../src/latent-generator.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';
import { checkDirectionSet } from '../src/direction-set.js';

const seed = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 1e6));

/** |cos| between row k of a (dim wide) and row j of b. */
function absCos(a: ArrayLike<number>, k: number, b: ArrayLike<number>, j: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < dim; i++) {
    dot += a[k * dim + i] * b[j * dim + i];
    na += a[k * dim + i] ** 2;
    nb += b[j * dim + i] ** 2;
  }
  return Math.abs(dot) / Math.sqrt(na * nb);
}

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe(`pca (seed ${seed})`, () => {
  it('finds the axes and variances of an anisotropic Gaussian', () => {
    const rng = new SeededRandom(seed);
    const n = 4000;
    const dim = 6;
    // Variances 9, 4, 1, 0.25, 0.04, 0.01 along a rotated basis (orthonormal by Gram–Schmidt).
    const basis = new Float64Array(dim * dim);
    for (let k = 0; k < dim; k++) {
      const v = Array.from({ length: dim }, () => rng.normal());
      for (let j = 0; j < k; j++) {
        const dot = v.reduce((s, x, i) => s + x * basis[j * dim + i], 0);
        for (let i = 0; i < dim; i++) v[i] -= dot * basis[j * dim + i];
      }
      const norm = Math.hypot(...v);
      for (let i = 0; i < dim; i++) basis[k * dim + i] = v[i] / norm;
    }
    const sd = [3, 2, 1, 0.5, 0.2, 0.1];
    const x = new Float64Array(n * dim);
    for (let s = 0; s < n; s++) {
      for (let k = 0; k < dim; k++) {
        const g = sd[k] * rng.normal();
        for (let i = 0; i < dim; i++) x[s * dim + i] += g * basis[k * dim + i] + (k === 0 ? 5 : 0) / dim;
      }
    }
    const p = pca(x, n, dim, 3);
    for (let k = 0; k < 3; k++) {
      expect(absCos(p.components, k, basis, k, dim)).toBeGreaterThan(0.99);
      expect(p.variances[k] / sd[k] ** 2).toBeGreaterThan(0.9);
      expect(p.variances[k] / sd[k] ** 2).toBeLessThan(1.1);
    }
    const total = sd.reduce((s, v) => s + v * v, 0);
    expect(p.ratios[0]).toBeCloseTo(p.variances[0] / total, 1);
    expect(Math.abs(p.mean[0] - 5 / dim)).toBeLessThan(0.2);
  });

  it('refuses bad input', () => {
    expect(() => pca([1, 2, 3], 1, 3, 1)).toThrow(/at least 2 samples of 3 values/);
    expect(() => pca([1, 2, 3, 4], 2, 2, 3)).toThrow(/components must be in 1..2, got 3/);
    expect(() => pca([1, NaN, 3, 4], 2, 2, 1)).toThrow(/sample 0 has a non-finite value at 1/);
  });
});

describe('GANSpace and SeFa on the planted toy generator', () => {
  it('GANSpace recovers every planted axis, in order of σ', async () => {
    const toy = new PlantedGenerator(rt, { wDim: 16, numWs: 4, factors: 4, seed: seed % 1000 });
    try {
      const res = await ganspace(toy, { samples: 3000, components: 4, seed: 17 });
      checkDirectionSet(res);
      for (let k = 0; k < 4; k++) expect(absCos(res.vectors, k, toy.axes, k, 16), `pc${k}`).toBeGreaterThan(0.98);
      for (let k = 0; k < 4; k++) expect(res.stepScales[k] / toy.sigmas[k]).toBeGreaterThan(0.9);
      expect(res.ratios[0]).toBeGreaterThan(res.ratios[1]);
      expect([...res.layerWeights.subarray(0, 4)]).toEqual([1, 1, 1, 1]);
      const ranged = ganspaceFromSamples(new Float64Array(2 * 16).map((_, i) => i % 7), 2, 16, 4, 1, [1, 3]);
      expect([...ranged.layerWeights]).toEqual([0, 1, 1, 0]);
    } finally {
      toy.dispose();
    }
  });

  it('SeFa on the toy layer maps recovers the planted axes (raw and row-normalised)', () => {
    // Three factors in three channels: every (pixel, channel) row of the layer maps belongs to one factor.
    const toy = new PlantedGenerator(rt, { wDim: 16, numWs: 2, factors: 3, seed: seed % 1000 });
    try {
      for (const normalizeRows of [false, true]) {
        const res = sefaFromWeights(toy.weightBlocks(), 16, 3, normalizeRows);
        const matched = [0, 1, 2].map((k) => Math.max(...[0, 1, 2].map((j) => absCos(res.vectors, j, toy.axes, k, 16))));
        for (const m of matched) expect(m, `normalizeRows ${normalizeRows}`).toBeGreaterThan(0.999);
        expect(res.eigenvalues[2]).toBeGreaterThan(1e-6);
      }
    } finally {
      toy.dispose();
    }
  });
});

describe('GANSpace and SeFa on a tiny StyleGAN2', () => {
  const cfg = networkConfig({ resolution: 8, channelBase: 256, channelMax: 16, zDim: 16, wDim: 16, mappingLayers: 2 }).generator;

  function weights(edit: (w: Map<string, HostTensor>) => void): Map<string, HostTensor> {
    const w = initGeneratorWeights(cfg, 3);
    edit(w);
    return w;
  }

  it('GANSpace through the real mapping: w varies only on coordinates 2, 7, 11 (scales 3, 2, 1)', async () => {
    const planted: Array<[number, number]> = [[2, 3], [7, 2], [11, 1]];
    // fc0 = identity (scaled against the 0.01 lr multiplier's gain), fc1 row r reads only its own input:
    // each planted w coordinate is a function of one z coordinate, so they are independent.
    const G = Generator.fromWeights(rt, cfg, weights((w) => {
      const eye = new Float32Array(256);
      for (let i = 0; i < 16; i++) eye[i * 17] = 400;
      const fc1 = new Float32Array(256);
      planted.forEach(([row, s], j) => (fc1[row * 16 + j] = 400 * s));
      w.set('mapping.fc0.weight', hostTensor('f32', [16, 16], eye));
      w.set('mapping.fc1.weight', hostTensor('f32', [16, 16], fc1));
      for (const b of ['mapping.fc0.bias', 'mapping.fc1.bias']) w.set(b, hostTensor('f32', [16], new Float32Array(16)));
    }));
    try {
      const res = await ganspace(styleGanLatents(G), { samples: 1500, components: 3, seed: 1 });
      planted.forEach(([row], k) => {
        expect(Math.abs(res.vectors[k * 16 + row]), `pc${k}`).toBeGreaterThan(0.99);
      });
      expect(res.variances[0]).toBeGreaterThan(res.variances[1]);
    } finally {
      G.dispose();
    }
  });

  it('SeFa on planted affines A_l = Σ_k s_k u_k e_kᵀ finds e_k by s_k, applied to the chosen layers', async () => {
    const rng = new SeededRandom(seed + 5);
    const axes = [3, 9, 14];
    const s = [3, 2, 1];
    const G = Generator.fromWeights(rt, cfg, weights((w) => {
      for (const [name, t] of w) {
        if (!name.endsWith('.affine.weight')) continue;
        const [cin] = t.shape;
        // Orthonormal u_k over the layer's channels: Gram–Schmidt of normals.
        const us: number[][] = [];
        for (let k = 0; k < axes.length; k++) {
          const u = Array.from({ length: cin }, () => rng.normal());
          for (const v of us) {
            const dot = u.reduce((a, x, i) => a + x * v[i], 0);
            for (let i = 0; i < cin; i++) u[i] -= dot * v[i];
          }
          const norm = Math.hypot(...u);
          us.push(u.map((x) => x / norm));
        }
        const data = new Float32Array(cin * 16);
        axes.forEach((ax, k) => {
          for (let r = 0; r < cin; r++) data[r * 16 + ax] += s[k] * us[k][r];
        });
        w.set(name, hostTensor('f32', [cin, 16], data));
      }
    }));
    try {
      const res = await sefa(G, { components: 3, normalizeRows: false, layers: [0, 1] });
      checkDirectionSet(res);
      axes.forEach((ax, k) => expect(Math.abs(res.vectors[k * 16 + ax]), `sefa${k}`).toBeCloseTo(1, 5));
      // Layers 0 and 1 read w0 and w1 (b4.conv1, b4.torgb, b8.conv0): eigenvalues s_k² × 3 layers.
      res.eigenvalues.forEach((v, k) => expect(v).toBeCloseTo(3 * s[k] ** 2, 3));
      expect([...res.layerWeights.subarray(0, G.numWs)]).toEqual([1, 1, 0, 0]);
      await expect(sefa(G, { layers: [9] })).rejects.toThrow(/layer 9 is not a W\+ index of this generator \(0..3\)/);
    } finally {
      G.dispose();
    }
  });

  it('refuses bad options', async () => {
    const toy = new PlantedGenerator(rt, { wDim: 8, factors: 2 });
    try {
      await expect(ganspace(toy, { components: 9 })).rejects.toThrow(/components must be in 1..8 \(w_dim\), got 9/);
      await expect(ganspace(toy, { samples: 1 })).rejects.toThrow(/samples must be an integer ≥ 2/);
      expect(() => ganspaceFromSamples(new Float64Array(16), 2, 8, 4, 1, [3, 3])).toThrow(/layer range \[3, 3\) is not inside the generator's 4 ws/);
      expect(() => sefaFromWeights([], 8, 2)).toThrow(/no affine weights/);
      expect(() => sefaFromWeights([{ data: new Float64Array(7), rows: 1 }], 8, 2)).toThrow(/block 0 has 7 values, not 1×8/);
    } finally {
      toy.dispose();
    }
  });
});

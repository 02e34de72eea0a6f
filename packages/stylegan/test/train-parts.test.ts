/**
 * The pieces of the trainer on their own: the GAN losses and softplus against float64 hand
 * computations on fresh random logits (including large ones, where a naive log(1 + eˣ)
 * overflows) and their gradients; the EMA update bit for bit against f32 arithmetic; NVIDIA's β
 * schedule; the mixing cutoff's distribution; lazy-regularisation hyper-parameters; configs
 * from --cbase/--cmax; NVIDIA's initialisation statistics; and bad options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, SEED } from '@stylegpu/kernels/testing';
import { type Runtime, backward, createRuntime, sum } from '@stylegpu/kernels';
import { discriminatorFakeLoss, discriminatorRealLoss, generatorLoss } from '../src/train/losses.js';
import { softplus } from '../src/train/softplus.js';
import { emaBeta, updateEma } from '../src/train/ema.js';
import { mixingCutoff } from '../src/train/style-mixing.js';
import { lazyRegularizationHyper } from '../src/train/lazy-adam.js';
import { networkConfig } from '../src/train/network-config.js';
import { initDiscriminatorWeights, initGeneratorWeights } from '../src/train/init-weights.js';
import { stepSeed, stepUniform } from '../src/train/step-random.js';
import { DEFAULT_TRAINING_OPTIONS, StyleGan2Trainer, checkTrainingOptions } from '../src/train/trainer.js';
import { Generator } from '../src/model/generator.js';

const seed = SEED;
/** The test's own inputs. */
const rand = mulberry32(seed);
const sp64 = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
  console.log(`train-parts seed ${seed} (STYLEGPU_TEST_SEED to repeat)`);
});
afterAll(() => rt?.destroy());

function logits(n: number, spread: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.fround((rand() * 2 - 1) * spread));
}

describe('GAN losses', () => {
  for (const [n, spread] of [[7, 4], [13, 60], [5, 300]] as const) {
    it(`softplus and its gradient on ${n} logits in ±${spread}`, async () => {
      const x = logits(n, spread);
      const t = rt.tensor(x, [n]);
      t.requiresGrad = true;
      const y = softplus(t);
      backward(sum(y));
      const got = (await y.read()) as Float32Array;
      const g = (await t.grad!.read()) as Float32Array;
      for (let i = 0; i < n; i++) {
        const want = sp64(x[i]);
        expect(Number.isFinite(got[i])).toBe(true);
        expect(Math.abs(got[i] - want), `softplus(${x[i]})`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(want)));
        expect(Math.abs(g[i] - sigmoid64(x[i])), `softplus'(${x[i]})`).toBeLessThanOrEqual(4e-7);
      }
      t.grad!.dispose();
      t.dispose();
      y.dispose();
    });
  }

  it('G loss = mean softplus(−l), D terms = mean softplus(l) and mean softplus(−l), with their gradients', async () => {
    const n = 6;
    const x = logits(n, 8);
    for (const [name, fn, sign] of [['G', generatorLoss, -1], ['Dfake', discriminatorFakeLoss, 1], ['Dreal', discriminatorRealLoss, -1]] as const) {
      const t = rt.tensor(x, [n, 1]);
      t.requiresGrad = true;
      const loss = fn(t);
      backward(loss);
      let want = 0;
      for (const v of x) want += sp64(sign * v) / n;
      expect(loss.size).toBe(1);
      expect(Math.abs((await loss.read())[0] - want), name).toBeLessThanOrEqual(5e-7 * Math.max(1, want));
      const g = (await t.grad!.read()) as Float32Array;
      for (let i = 0; i < n; i++) expect(Math.abs(g[i] - (sign * sigmoid64(sign * x[i])) / n), `${name} grad ${i}`).toBeLessThanOrEqual(1e-7);
      t.grad!.dispose();
      t.dispose();
      loss.dispose();
    }
  });

  it('refuses logits that are not [N, 1]', () => {
    const t = rt.tensor([1, 2, 3, 4], [2, 2]);
    expect(() => generatorLoss(t)).toThrow(/generatorLoss: expected logits \[N, 1\], got \[2, 2\]/);
    expect(() => discriminatorRealLoss(t)).toThrow(/discriminatorRealLoss/);
    t.dispose();
  });
});

describe('G_ema', () => {
  it("β = 0.5^(batch / (ema_kimg·1000)), with NVIDIA's optional ramp-up", () => {
    expect(emaBeta(32, 10, 0)).toBe(0.5 ** (32 / 10000));
    expect(emaBeta(16, 10, 1000, 0.05)).toBe(0.5 ** (16 / 50));
    expect(emaBeta(16, 10, 10 ** 7, 0.05)).toBe(0.5 ** (16 / 10000));
    expect(emaBeta(16, 10, 0, 0.05)).toBe(0.5 ** (16 / 1e-8));
  });

  it('p_ema ← p + β·(p_ema − p) exactly as f32 arithmetic gives it; buffers copied', async () => {
    const config = networkConfig({ resolution: 8, channelBase: 64, channelMax: 4, zDim: 4, wDim: 4, mappingLayers: 1 }).generator;
    const G = Generator.fromWeights(rt, config, initGeneratorWeights(config, 1 + (seed % 1000)));
    const E = Generator.fromWeights(rt, config, initGeneratorWeights(config, 2 + (seed % 1000)));
    const before = new Map<string, Float32Array>();
    for (const [n, t] of E.params) before.set(n, (await t.read()) as Float32Array);
    const beta = emaBeta(4, 0.01 + rand(), 0);
    updateEma(E, G, beta);
    const b = Math.fround(beta);
    for (const [n, t] of E.params) {
      const got = (await t.read()) as Float32Array;
      const p = (await G.params.get(n)!.read()) as Float32Array;
      const e = before.get(n)!;
      const buffer = n === 'mapping.w_avg' || n.endsWith('noise_const');
      for (let i = 0; i < got.length; i++) {
        const want = buffer ? p[i] : Math.fround(p[i] + Math.fround(Math.fround(e[i] - p[i]) * b));
        if (got[i] !== want) throw new Error(`${n}[${i}]: ${got[i]} !== ${want} (p ${p[i]}, ema ${e[i]}, β ${beta})`);
      }
    }
    G.dispose();
    E.dispose();
  });
});

describe('style mixing', () => {
  it('draws cutoffs uniformly in [1, num_ws) with probability p, num_ws otherwise', () => {
    const numWs = 10;
    const counts = new Array<number>(numWs + 1).fill(0);
    const trials = 20000;
    for (let i = 0; i < trials; i++) counts[mixingCutoff(numWs, 0.9, rand(), rand())]++;
    expect(counts[0]).toBe(0);
    expect(Math.abs(counts[numWs] / trials - 0.1)).toBeLessThan(0.01);
    for (let c = 1; c < numWs; c++) expect(Math.abs(counts[c] / trials - 0.9 / (numWs - 1)), `cutoff ${c}`).toBeLessThan(0.01);
    expect(mixingCutoff(numWs, 0, 0.5, 0)).toBe(numWs);
    expect(mixingCutoff(numWs, 1, 0.999999, 0.999999)).toBe(numWs - 1);
    expect(() => mixingCutoff(numWs, 1.5, 0, 0)).toThrow(/probability must be in \[0, 1\]/);
  });

  it('step draws are functions of (seed, step, stream) and differ between them', () => {
    expect(stepSeed(3, 17, 1)).toBe(stepSeed(3, 17, 1));
    const seen = new Set([stepSeed(3, 17, 1), stepSeed(3, 17, 2), stepSeed(3, 18, 1), stepSeed(4, 17, 1)]);
    expect(seen.size).toBe(4);
    for (const v of seen) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
    let m = 0;
    for (let i = 0; i < 4000; i++) m += stepUniform(seed, i, 7);
    expect(Math.abs(m / 4000 - 0.5)).toBeLessThan(0.03);
  });
});

describe('configs, initialisation, options', () => {
  it('lazy regularisation scales lr by interval/(interval+1) and raises the betas to it', () => {
    const h = lazyRegularizationHyper({ lr: 0.0025, betas: [0, 0.99], eps: 1e-8 }, 16);
    expect(h.lr).toBe(0.0025 * (16 / 17));
    expect(h.betas).toEqual([0, 0.99 ** (16 / 17)]);
    expect(lazyRegularizationHyper({ lr: 0.002, betas: [0, 0.99], eps: 1e-8 }, null)).toEqual({ lr: 0.002, betas: [0, 0.99], eps: 1e-8 });
    expect(() => lazyRegularizationHyper({ lr: 1, betas: [0, 0.9], eps: 1e-8 }, 0)).toThrow(/interval must be a positive integer/);
  });

  it('channels are min(cbase / r, cmax) in G and D', () => {
    const c = networkConfig({ resolution: 64, channelBase: 4096, channelMax: 128, mappingLayers: 2 });
    expect(c.generator.synthesis.channels).toEqual({ 4: 128, 8: 128, 16: 128, 32: 128, 64: 64 });
    expect(c.discriminator.channels).toEqual(c.generator.synthesis.channels);
    expect(c.generator.numWs).toBe(10);
    expect(c.generator.mapping.numLayers).toBe(2);
    expect(c.generator.synthesis.convClamp).toBe(256);
    expect(() => networkConfig({ resolution: 48 })).toThrow(/resolution must be a power of two ≥ 8, got 48/);
    expect(() => networkConfig({ resolution: 4 })).toThrow(/power of two ≥ 8/);
    expect(() => networkConfig({ resolution: 64, channelBase: 32 })).toThrow(/leaves no channels at resolution 64.*--cbase/);
    expect(() => networkConfig({ resolution: 64, mappingLayers: 0 })).toThrow(/mapping layers \(--map\) must be a positive integer/);
  });

  it("initialises as NVIDIA: N(0,1) weights (mapping N(0,1)/0.01), affine biases 1, other biases and noise strengths 0", () => {
    const cfg = networkConfig({ resolution: 16, channelBase: 512, channelMax: 32, zDim: 64, wDim: 64, mappingLayers: 2 });
    const g = initGeneratorWeights(cfg.generator, 5);
    const stats = (a: Float32Array) => {
      let m = 0;
      let s = 0;
      for (const v of a) m += v / a.length;
      for (const v of a) s += (v - m) ** 2 / a.length;
      return { mean: m, std: Math.sqrt(s) };
    };
    const w = stats(g.get('synthesis.b16.conv1.weight')!.data as Float32Array);
    expect(Math.abs(w.mean)).toBeLessThan(0.1);
    expect(Math.abs(w.std - 1)).toBeLessThan(0.05);
    const m = stats(g.get('mapping.fc0.weight')!.data as Float32Array);
    expect(Math.abs(m.std - 100)).toBeLessThan(5);
    expect([...(g.get('synthesis.b8.conv0.affine.bias')!.data as Float32Array)].every((v) => v === 1)).toBe(true);
    expect([...(g.get('synthesis.b8.conv0.bias')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect([...(g.get('mapping.fc1.bias')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect((g.get('synthesis.b8.conv0.noise_strength')!.data as Float32Array)[0]).toBe(0);
    expect([...(g.get('mapping.w_avg')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect(stats(g.get('synthesis.b8.conv0.noise_const')!.data as Float32Array).std).toBeGreaterThan(0.8);
    const d = initDiscriminatorWeights(cfg.discriminator, 6);
    expect(Math.abs(stats(d.get('b16.conv0.weight')!.data as Float32Array).std - 1)).toBeLessThan(0.05);
    expect([...(d.get('b4.fc.bias')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    // Same seed, same network; another seed, another one.
    expect(initGeneratorWeights(cfg.generator, 5).get('synthesis.b4.const')!.data).toEqual(g.get('synthesis.b4.const')!.data);
    expect(initGeneratorWeights(cfg.generator, 6).get('synthesis.b4.const')!.data).not.toEqual(g.get('synthesis.b4.const')!.data);
  });

  it('refuses bad training options with messages naming the flag', () => {
    const cfg = networkConfig({ resolution: 8, channelBase: 64, channelMax: 4, zDim: 4, wDim: 4, mappingLayers: 1 });
    const o = { ...DEFAULT_TRAINING_OPTIONS, batch: 4, gamma: 0 };
    expect(() => checkTrainingOptions({ ...o, batch: 6 }, cfg)).toThrow(/batch 6 is not a multiple of the minibatch-std group 4/);
    expect(() => checkTrainingOptions({ ...o, batch: 0 }, cfg)).toThrow(/batch \(--batch\) must be a positive integer/);
    expect(() => checkTrainingOptions({ ...o, gamma: -1 }, cfg)).toThrow(/gamma \(--gamma\) must be a finite number ≥ 0/);
    expect(() => checkTrainingOptions({ ...o, glr: 0 }, cfg)).toThrow(/G learning rate \(--glr\) must be a positive number/);
    expect(() => checkTrainingOptions({ ...o, styleMixingProb: 2 }, cfg)).toThrow(/style-mixing probability/);
    expect(() => checkTrainingOptions({ ...o, plWeight: 2 }, cfg)).toThrow(/path-length regularisation.*not available/);
    expect(() => checkTrainingOptions({ ...o, seed: -1 }, cfg)).toThrow(/seed \(--seed\)/);
  });

  it('stops on a non-finite loss, naming the step', async () => {
    // No conv clamp: WGSL's clamp() of a NaN returns a bound on lavapipe, which would hide the NaN here.
    const cfg = networkConfig({ resolution: 8, channelBase: 64, channelMax: 4, zDim: 4, wDim: 4, mappingLayers: 1, convClamp: null });
    // A NaN latent at step 1 (replayed through the draws hook) poisons every loss of that step.
    const t = StyleGan2Trainer.create(rt, cfg, { batch: 2, gamma: 0 }, {
      draws: (phase, step) => {
        const d = t.defaultDraws(phase, step);
        if (step !== 1) return d;
        return { ...d, z: rt.tensor(new Float32Array(8).fill(NaN), [2, 4]) };
      },
    });
    const reals = rt.tensor(new Float32Array(2 * 3 * 8 * 8).fill(0.5), [2, 3, 8, 8]);
    const first = await t.step(reals);
    expect(Number.isFinite(first.lossG)).toBe(true);
    await expect(t.step(reals)).rejects.toThrow(/training diverged: the G loss is NaN at step 1 \(kimg 0\.002\)/);
    reals.dispose();
    t.dispose();
  });

  it('keeps no tensors from one iteration to the next (R1 every step)', async () => {
    const cfg = networkConfig({ resolution: 8, channelBase: 64, channelMax: 4, zDim: 4, wDim: 4, mappingLayers: 1 });
    const t = StyleGan2Trainer.create(rt, cfg, { batch: 2, gamma: 1, dRegInterval: 1, seed: seed % 1000 });
    const reals = rt.tensor(new Float32Array(2 * 3 * 8 * 8).map(() => rand() * 2 - 1), [2, 3, 8, 8]);
    await t.step(reals);
    const live = rt.liveTensors;
    for (let i = 0; i < 3; i++) expect((await t.step(reals)).r1Penalty).not.toBeNull();
    expect(rt.liveTensors).toBe(live);
    reals.dispose();
    t.dispose();
  });

  it('refuses reals of the wrong shape, naming the expected one', async () => {
    const cfg = networkConfig({ resolution: 8, channelBase: 64, channelMax: 4, zDim: 4, wDim: 4, mappingLayers: 1 });
    const t = StyleGan2Trainer.create(rt, cfg, { batch: 2, gamma: 0 });
    const reals = rt.tensor(new Float32Array(2 * 3 * 16 * 16), [2, 3, 16, 16]);
    await expect(t.step(reals)).rejects.toThrow(/reals must be \[2, 3, 8, 8\].*got \[2, 3, 16, 16\]/);
    reals.dispose();
    t.dispose();
  });
});

/**
 * One training iteration of the trainer against the independent float64 PyTorch reference
 * (fixtures/make_train_fixtures.py over reference/stylegan2_ref.py): same initial weights, same
 * recorded latents and mixing cutoffs, constant noise. Checked: the three losses, every gradient
 * Adam used (Adam's first moment is the gradient itself when β1 = 0), the weights of G, D and G_ema
 * after the iteration (Gmain's G update feeds Dmain's fakes, so the order of the phases is checked
 * too), and w_avg after its two training-mode updates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostTensor, readSafetensors, toFloat32 } from '@stylegpu/io';
import { type Runtime, type Tensor, createRuntime } from '@stylegpu/kernels';
import { relError } from '@stylegpu/kernels/testing';
import { networkConfig } from '../src/train/network-config.js';
import { type PhaseDraws, type TrainerHostState, StyleGan2Trainer, DEFAULT_TRAINING_OPTIONS } from '../src/train/trainer.js';
import { generatorTrainables } from '../src/train/parameter-groups.js';

const file = readSafetensors(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'expected', 'train_step.safetensors')));
const T = (k: string): HostTensor => {
  const t = file.tensors.get(k);
  if (!t) throw new Error(`fixture train_step has no ${k}`);
  return t;
};
const arr = (k: string) => toFloat32(T(k));
const group = (prefix: string) => {
  const m = new Map<string, HostTensor>();
  for (const [k, t] of file.tensors) if (k.startsWith(prefix)) m.set(k.slice(prefix.length), t);
  return m;
};

const GLR = 0.0025;
const DLR = 0.002 * (16 / 17);
const configs = networkConfig({ resolution: 16, channelBase: 128, channelMax: 8, zDim: 16, wDim: 16, mappingLayers: 2, convClamp: 256, mbstdGroup: 2 });

let rt: Runtime;
let trainer: StyleGan2Trainer;
let stats: Awaited<ReturnType<StyleGan2Trainer['step']>>;

beforeAll(async () => {
  rt = await createRuntime();
  const state: TrainerHostState = {
    configs,
    options: { ...DEFAULT_TRAINING_OPTIONS, batch: 4, gamma: 0, glr: GLR, dlr: 0.002, emaKimg: 0.01, seed: 0 },
    counters: { step: 0, nimg: 0, plMean: 0 },
    G: group('init.G.'),
    D: group('init.D.'),
    Gema: group('init.G.'),
    optG: { params: new Map() },
    optD: { params: new Map() },
  };
  const draws = (phase: 'Gmain' | 'Dmain'): PhaseDraws => {
    const [z, mix, cut] = phase === 'Gmain' ? ['in.zG', 'in.zGmix', 3] : ['in.zD', 'in.zDmix', 2];
    return { z: rt.tensor(arr(z), [4, 16]), zMix: rt.tensor(arr(mix), [4, 16]), mixCutoff: cut as number, noiseMode: 'const', noiseSeed: 0 };
  };
  trainer = StyleGan2Trainer.fromHostState(rt, state, { draws });
  const reals = rt.tensor(arr('in.reals'), [4, 3, 16, 16]);
  stats = await trainer.step(reals);
  reals.dispose();
});

afterAll(() => {
  trainer?.dispose();
  rt?.destroy();
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

async function read(t: Tensor): Promise<Float32Array> {
  return (await t.read()) as Float32Array;
}

/**
 * Weights after one Adam step with β1 = 0 move by lr·g/(|g| + ε) ≈ ±lr·sign(g). Where the
 * reference's gradient is larger than our measured gradient error (`ours` against `grad` over the
 * tensor), the sign is certain and the weights must agree to f32 rounding; where it is not,
 * float32 and float64 may disagree on the sign, so only the one-step bound holds there.
 */
function expectUpdated(name: string, got: Float32Array, want: Float32Array, grad: Float32Array, ours: Float32Array, lr: number, scale = 1): number {
  let gErr = 0;
  for (let i = 0; i < grad.length; i++) gErr = Math.max(gErr, Math.abs(ours[i] - grad[i]));
  let unsure = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const tol = 2e-6 * Math.max(1, Math.abs(want[i]));
    if (Math.abs(grad[i]) > 2 * gErr) {
      if (err > tol) throw new Error(`${name}[${i}]: ${got[i]} vs reference ${want[i]} (gradient ${grad[i]}, ours ${ours[i]})`);
    } else {
      unsure++;
      if (err > 2 * lr * scale + tol) throw new Error(`${name}[${i}]: ${got[i]} vs reference ${want[i]}, more than one step apart`);
    }
  }
  return unsure;
}

describe('one training iteration against the float64 reference', () => {
  it('gives the reference losses', () => {
    expect(Math.abs(stats.lossG - arr('out.lossG')[0])).toBeLessThan(2e-6 * Math.max(1, Math.abs(arr('out.lossG')[0])));
    expect(Math.abs(stats.lossDfake - arr('out.lossDfake')[0])).toBeLessThan(2e-6);
    expect(Math.abs(stats.lossDreal - arr('out.lossDreal')[0])).toBeLessThan(2e-6);
    expect(stats.step).toBe(0);
    expect(stats.nimg).toBe(4);
    expect(stats.r1Penalty).toBeNull();
  });

  it("computes G's gradient of mean softplus(−D(G(z))) through mapping, mixing, synthesis and D", async () => {
    const trainables = generatorTrainables(trainer.G);
    expect(trainables.length).toBe([...group('grad.G.').keys()].length);
    for (const [name, p] of trainables) {
      const st = trainer.optG.stateOf(p);
      expect(st, name).toBeDefined();
      expect(st!.step).toBe(1);
      const err = relError(await read(st!.m), arr(`grad.G.${name}`));
      expect(err, name).toBeLessThan(2e-4);
    }
  });

  it("computes D's gradient of the two Dmain terms (fakes from the updated G)", async () => {
    for (const [name, p] of trainer.D.params) {
      const st = trainer.optD.stateOf(p);
      expect(st, name).toBeDefined();
      const err = relError(await read(st!.m), arr(`grad.D.${name}`));
      expect(err, name).toBeLessThan(2e-4);
    }
  });

  it('updates G and D as torch.optim.Adam does (D with the lazy-R1 compensation)', async () => {
    let unsure = 0;
    let total = 0;
    for (const [name, p] of generatorTrainables(trainer.G)) {
      unsure += expectUpdated(`G.${name}`, await read(p), arr(`out.G.${name}`), arr(`grad.G.${name}`), await read(trainer.optG.stateOf(p)!.m), GLR);
      total += p.size;
    }
    for (const [name, p] of trainer.D.params) {
      unsure += expectUpdated(`D.${name}`, await read(p), arr(`out.D.${name}`), arr(`grad.D.${name}`), await read(trainer.optD.stateOf(p)!.m), DLR);
      total += p.size;
    }
    // Only a handful of elements sit within rounding of a zero gradient.
    expect(unsure).toBeLessThan(total * 0.002);
  });

  it('moves w_avg by both training-mode mapping calls', async () => {
    expect(relError(await read(trainer.G.params.get('mapping.w_avg')!), arr('out.G.mapping.w_avg'))).toBeLessThan(1e-5);
  });

  it('updates G_ema as lerp(G, G_ema, β) and copies the buffers', async () => {
    const beta = 0.5 ** (4 / 10);
    for (const [name, p] of trainer.Gema.params) {
      const want = arr(`out.Gema.${name}`);
      if (name === 'mapping.w_avg' || name.endsWith('noise_const')) {
        expect(relError(await read(p), want), name).toBeLessThan(1e-5);
      } else {
        const ours = await read(trainer.optG.stateOf(trainer.G.params.get(name)!)!.m);
        expectUpdated(`Gema.${name}`, await read(p), want, arr(`grad.G.${name}`), ours, GLR, 1 - beta);
      }
    }
  });
});

describe('the same iteration with R1 on (γ 2): Dreg runs at step 0', () => {
  let r1Trainer: StyleGan2Trainer;
  let r1Stats: Awaited<ReturnType<StyleGan2Trainer['step']>>;
  beforeAll(async () => {
    const state: TrainerHostState = {
      configs,
      options: { ...DEFAULT_TRAINING_OPTIONS, batch: 4, gamma: 2, glr: GLR, dlr: 0.002, emaKimg: 0.01, seed: 0 },
      counters: { step: 0, nimg: 0, plMean: 0 },
      G: group('init.G.'),
      D: group('init.D.'),
      Gema: group('init.G.'),
      optG: { params: new Map() },
      optD: { params: new Map() },
    };
    const draws = (phase: 'Gmain' | 'Dmain'): PhaseDraws => {
      const [z, mix, cut] = phase === 'Gmain' ? ['in.zG', 'in.zGmix', 3] : ['in.zD', 'in.zDmix', 2];
      return { z: rt.tensor(arr(z), [4, 16]), zMix: rt.tensor(arr(mix), [4, 16]), mixCutoff: cut as number, noiseMode: 'const', noiseSeed: 0 };
    };
    r1Trainer = StyleGan2Trainer.fromHostState(rt, state, { draws });
    expect(r1Trainer.phasesAt(0)).toEqual(['Gboth', 'Dmain', 'Dreg']);
    expect(r1Trainer.phasesAt(1)).toEqual(['Gboth', 'Dmain']);
    expect(r1Trainer.phasesAt(16)).toEqual(['Gboth', 'Dmain', 'Dreg']);
    const reals = rt.tensor(arr('in.reals'), [4, 3, 16, 16]);
    r1Stats = await r1Trainer.step(reals);
    reals.dispose();
  });
  afterAll(() => r1Trainer?.dispose());

  it('reports the mean R1 penalty and the same GAN losses', () => {
    const want = arr('r1.out.penalty')[0];
    expect(Math.abs(r1Stats.r1Penalty! - want)).toBeLessThan(1e-5 * Math.max(1, want));
    expect(r1Stats.lossDreal).toBe(stats.lossDreal);
  });

  it("takes D's second Adam step on the gradient of 16·mean(γ/2·‖∇D‖²), on every D parameter as NVIDIA does", async () => {
    let worst = 0;
    for (const [name, p] of r1Trainer.D.params) {
      const st = r1Trainer.optD.stateOf(p)!;
      // torch steps every parameter: loss.py's real_logits·0 gives even b4.out.bias a (zero) gradient.
      expect(st.step, name).toBe(2);
      const want = arr(`r1.grad.D.${name}`);
      const got = await read(st.m);
      if (maxAbs(want) === 0) {
        expect(maxAbs(got), name).toBe(0);
        continue;
      }
      const err = relError(got, want);
      worst = Math.max(worst, err);
      // The R1 gradient is a gradient of a gradient: r1.test.ts measures up to 6.3e-4 on biases.
      expect(err, name).toBeLessThan(1e-3);
    }
    console.log(`Dreg gradient: worst relative error ${worst.toExponential(2)}`);
  });

  it('leaves D where torch.optim.Adam puts it after both steps', async () => {
    const lr = DLR;
    let worst = 0;
    for (const [name, p] of r1Trainer.D.params) {
      const got = await read(p);
      const want = arr(`r1.out.D.${name}`);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / lr);
    }
    console.log(`D after Dmain + Dreg: worst difference ${worst.toExponential(2)} learning-rate steps`);
    expect(worst).toBeLessThan(0.05);
  });
});

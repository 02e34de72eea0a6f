/**
 * One-shot objectives through the trainer (MindTheGap-style clip_within / clip_ref, L2
 * reconstruction, offset regulariser) on the fixture generator and tiny CLIP: the step-0 loss
 * equals the value computed by hand from the images and embeddings; training lowers the
 * reconstruction; Affine+ offsets baked into the generator give the same images.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, type Tensor, add, createRuntime, randomNormal } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { type ClipModel, type ClipTokenizer, loadClip, loadTokenizer } from '@stylegpu/clip/node';
import { preprocessGenerated } from '@stylegpu/clip';
import { AffinePlus, NadaTrainer, StyleDelta, buildObjectives } from '../src/index.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G16 = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
let rt: Runtime;
let clip: ClipModel;
let tokenizer: ClipTokenizer;
beforeAll(async () => {
  rt = await createRuntime();
  clip = (await loadClip(rt, join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf'))).model;
  tokenizer = await loadTokenizer(join(pkgs, 'clip', 'fixtures', 'hf-tiny'));
});
afterAll(() => {
  clip?.dispose();
  rt?.destroy();
});

const read = async (t: Tensor) => {
  const d = Float64Array.from(await t.read());
  t.dispose();
  return d;
};
const cos = (a: Float64Array, b: Float64Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
};

async function setup(objectives: Array<{ name: string; weight: number }>, lr = 0.05) {
  const frozen = await Generator.load(rt, G16);
  const trainable = await Generator.load(rt, G16);
  const param = new StyleDelta(rt, trainable);
  const ws = rt.keep(rt.noGrad(() => frozen.mapping(randomNormal(rt, [1, frozen.config.zDim], { seed: 77 }))));
  // the "style image": the generator's own image at w_style, pushed off by a fixed pattern
  const image = rt.keep(rt.noGrad(() => rt.tidy(() => add(frozen.synthesis(ws), rt.tensor(Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => 0.3 * Math.sin(i)), [1, 3, 16, 16])))));
  const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], {
    sourceClass: 'photo',
    targetClass: 'sketch',
    batch: 2,
    lr,
    seed: 4,
    objectives: buildObjectives(objectives),
    parameterisation: param,
    oneShot: { image, ws },
  });
  const dispose = () => {
    trainer.dispose();
    param.dispose();
    ws.dispose();
    image.dispose();
    frozen.dispose();
    trainable.dispose();
  };
  return { frozen, trainer, ws, image, dispose };
}

describe('one-shot objectives in the trainer', () => {
  it('l2_rec at step 0 is mean((G(w_style) − style)²) by hand, and training lowers it', async () => {
    const s = await setup([{ name: 'l2_rec', weight: 1 }], 0.005);
    try {
      const g = await read(rt.noGrad(() => s.frozen.synthesis(s.ws)));
      const st = Float64Array.from(await s.image.read());
      const want = g.reduce((acc, v, i) => acc + (v - st[i]) ** 2, 0) / g.length;
      const first = (await s.trainer.trainStep()).loss;
      expect(Math.abs(first - want)).toBeLessThan(1e-6 * want);
      const losses = [first];
      for (let i = 0; i < 5; i++) losses.push((await s.trainer.trainStep()).loss);
      expect(losses[5], losses.join(', ')).toBeLessThan(first);
    } finally {
      s.dispose();
    }
  });

  it('clip_ref at step 0 is 1 − cos(E(G(w_style)), E(style)) by hand; clip_within + offsets_l2 run finite', async () => {
    const s = await setup([{ name: 'clip_ref', weight: 1 }]);
    try {
      const size = clip.config.vision.imageSize;
      const e1 = await read(rt.noGrad(() => rt.tidy(() => clip.encodeImage(preprocessGenerated(s.frozen.synthesis(s.ws), { size })))));
      const e2 = await read(rt.noGrad(() => rt.tidy(() => clip.encodeImage(preprocessGenerated(s.image, { size })))));
      const want = 1 - cos(e1, e2);
      const got = (await s.trainer.trainStep()).loss;
      expect(Math.abs(got - want)).toBeLessThan(2e-6);
    } finally {
      s.dispose();
    }
    const t = await setup([
      { name: 'direction', weight: 1 },
      { name: 'clip_within', weight: 0.5 },
      { name: 'clip_ref', weight: 30 },
      { name: 'offsets_l2', weight: 1 },
    ]);
    try {
      for (let i = 0; i < 2; i++) expect(Number.isFinite((await t.trainer.trainStep()).loss)).toBe(true);
    } finally {
      t.dispose();
    }
  });

  it('refuses one-shot objectives without a style image', async () => {
    const frozen = await Generator.load(rt, G16);
    try {
      expect(
        () =>
          new NadaTrainer(rt, frozen, frozen, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], {
            sourceClass: 'photo',
            targetClass: 'sketch',
            objectives: buildObjectives([{ name: 'clip_ref', weight: 1 }, { name: 'l2_rec', weight: 1 }]),
            parameterisation: new StyleDelta(rt, frozen),
          }),
      ).toThrow('NadaTrainer: the objectives clip_ref, l2_rec need a one-shot style image and its latent (oneShot)');
    } finally {
      frozen.dispose();
    }
  });
});

describe('Affine+ bake', () => {
  it('writes base + offsets into the generator: same images, offsets back to zero', async () => {
    const frozen = await Generator.load(rt, G16);
    const trainable = await Generator.load(rt, G16);
    const param = new AffinePlus(rt, trainable, { rank: 5, kernelRes: 16, seed: 1 });
    const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], {
      sourceClass: 'photo',
      targetClass: 'sketch',
      lr: 0.01,
      seed: 2,
      parameterisation: param,
    });
    try {
      for (let i = 0; i < 2; i++) await trainer.trainStep();
      const ws = rt.keep(rt.noGrad(() => frozen.mapping(randomNormal(rt, [2, frozen.config.zDim], { seed: 9 }))));
      const before = await read(rt.noGrad(() => rt.tidy(() => param.synthesis(ws))));
      const plainBefore = await read(rt.noGrad(() => rt.tidy(() => trainable.synthesis(ws))));
      param.bake();
      const after = await read(rt.noGrad(() => rt.tidy(() => trainable.synthesis(ws))));
      ws.dispose();
      let m = 0;
      let moved = 0;
      for (let i = 0; i < before.length; i++) {
        m = Math.max(m, Math.abs(before[i] - after[i]));
        moved = Math.max(moved, Math.abs(before[i] - plainBefore[i]));
      }
      expect(moved).toBeGreaterThan(1e-4); // the offsets did something
      expect(m).toBeLessThan(1e-5);
      for (const t of param.offsets()) expect((await t.read()).every((v) => v === 0)).toBe(true);
    } finally {
      trainer.dispose();
      param.dispose();
      frozen.dispose();
      trainable.dispose();
    }
  });
});

/**
 * The NADA loop end to end on a tiny generator (16 px) and a tiny CLIP (32 px, 814-token
 * vocabulary) from the packages' fixtures: it trains, only what it should, reproducibly.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, type Tensor, createRuntime, randomNormal } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { type ClipModel, type ClipTokenizer, loadClip, loadTokenizer } from '@stylegpu/clip/node';
import { IMAGENET_TEMPLATES, NadaDivergedError, NadaTrainer, type NadaOptions, directionalClipLoss, nadaPrompts, nadaTrainingFilter, textDirection } from '../src/index.js';
import { preprocessGenerated } from '@stylegpu/clip';

const pkgs = join(import.meta.dirname, '..', '..');
const G_PATH = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const CLIP_PATH = join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf');
const VOCAB = join(pkgs, 'clip', 'fixtures', 'hf-tiny');

let rt: Runtime;
let clip: ClipModel;
let tokenizer: ClipTokenizer;
beforeAll(async () => {
  rt = await createRuntime();
  clip = (await loadClip(rt, CLIP_PATH)).model;
  tokenizer = await loadTokenizer(VOCAB);
});
afterAll(() => {
  clip?.dispose();
  rt?.destroy();
});

async function makeTrainer(opts: Partial<NadaOptions> = {}) {
  const frozen = await Generator.load(rt, G_PATH);
  const trainable = await Generator.load(rt, G_PATH);
  const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], {
    sourceClass: 'photo',
    targetClass: 'sketch',
    batch: 2,
    lr: 0.02,
    seed: 5,
    ...opts,
  });
  const dispose = () => {
    trainer.dispose();
    frozen.dispose();
    trainable.dispose();
  };
  return { trainer, frozen, trainable, dispose };
}

async function snapshot(ts: Map<string, Tensor>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of ts) out.set(k, (await t.read()) as Float32Array);
  return out;
}

/** The directional loss on a fixed batch, without training. */
async function evalLoss(t: NadaTrainer): Promise<number> {
  const loss = rt.noGrad(() =>
    rt.tidy(() => {
      const z = randomNormal(rt, [8, t.frozen.config.zDim], { seed: 99, offset: 0 });
      const ws = t.frozen.mapping(z);
      const size = clip.config.vision.imageSize;
      const src = clip.encodeImage(preprocessGenerated(t.frozen.synthesis(ws), { size }));
      const tgt = clip.encodeImage(preprocessGenerated(t.trainable.synthesis(ws), { size }));
      return directionalClipLoss(src, tgt, (t as unknown as { directions: Tensor[] }).directions[0]);
    }),
  );
  const v = await loss.item();
  loss.dispose();
  return v;
}

describe('NadaTrainer', () => {
  it('lowers the directional loss, trains only the phase layers, never the frozen G or CLIP', async () => {
    const { trainer, frozen, trainable, dispose } = await makeTrainer();
    try {
      const frozenBefore = await snapshot(frozen.params);
      const trainBefore = await snapshot(trainable.params);
      const clipBefore = await snapshot(clip.parameters());
      await trainer.trainStep(); // step 0: identical generators, the nudge path
      const before = await evalLoss(trainer);
      const losses: number[] = [];
      for (let i = 0; i < 12; i++) losses.push((await trainer.trainStep()).loss);
      const after = await evalLoss(trainer);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(after).toBeLessThan(before);

      const filter = nadaTrainingFilter('default');
      for (const [k, t] of trainable.params) {
        const changed = (await t.read()).some((v, i) => v !== trainBefore.get(k)![i]);
        // Trainable (phase) parameters that influence the image move; everything else stays bit-identical.
        if (!filter(k) || k.endsWith('noise_const')) expect(changed, k).toBe(false);
      }
      expect((await trainable.params.get('synthesis.b16.conv1.weight')!.read()).some((v, i) => v !== trainBefore.get('synthesis.b16.conv1.weight')![i])).toBe(true);
      for (const [k, t] of frozen.params) expect(Array.from(await t.read()), k).toEqual(Array.from(frozenBefore.get(k)!));
      for (const [k, t] of clip.parameters()) expect(Array.from(await t.read()), k).toEqual(Array.from(clipBefore.get(k)!));
    } finally {
      dispose();
    }
  });

  it('gives the same run twice from the same seed', async () => {
    const runs: number[][] = [];
    for (let r = 0; r < 2; r++) {
      const { trainer, dispose } = await makeTrainer({ mixing: 0.5 });
      try {
        const ls: number[] = [];
        for (let i = 0; i < 4; i++) ls.push((await trainer.trainStep()).loss);
        runs.push(ls);
      } finally {
        dispose();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it('adaptive layer selection trains only the k chosen layers', async () => {
    const { trainer, trainable, dispose } = await makeTrainer({ autoLayerK: 2, autoLayerIters: 1, autoLayerBatch: 2 });
    try {
      const before = await snapshot(trainable.params);
      await trainer.trainStep();
      const choice = trainer.lastChoice!;
      expect(choice.indices).toHaveLength(2);
      let moved = 0;
      for (const [k, t] of trainable.params) {
        const changed = (await t.read()).some((v, i) => v !== before.get(k)![i]);
        if (changed) expect(choice.filter(k), `${k} changed but was not chosen (${choice.layers.join(', ')})`).toBe(true);
        moved += +changed;
      }
      expect(moved).toBeGreaterThan(0);
    } finally {
      dispose();
    }
  });

  it('stops on a non-finite loss term, naming the step and the term, without counting the step', async () => {
    // L·1e20·1e20 with L ≈ 1 is past float32's 3.4e38: the weighted term is +Infinity.
    for (const [lambdas, term] of [
      [{ lambdaDirection: 1e20 }, 'directional CLIP loss of CLIP model tiny'],
      [{ lambdaDirection: 0, lambdaGlobal: 1e20 }, 'global CLIP loss of CLIP model tiny'],
    ] as const) {
      const frozen = await Generator.load(rt, G_PATH);
      const trainable = await Generator.load(rt, G_PATH);
      const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer, weight: 1e20 }], {
        sourceClass: 'photo',
        targetClass: 'sketch',
        seed: 5,
        ...lambdas,
      });
      try {
        const err = await trainer.trainStep().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(NadaDivergedError);
        expect(err).toMatchObject({ step: 0, term, value: Infinity, found: 'loss' });
        expect((err as Error).message).toBe(`nada: the ${term} became Infinity at step 0`);
        expect(trainer.step).toBe(0);
      } finally {
        trainer.dispose();
        frozen.dispose();
        trainable.dispose();
      }
    }
  });

  it('averages the text direction over the given templates (a word-tokenized CLIP cannot read the ImageNet ones)', async () => {
    const templates = ['a {} of a cat', '{} art'];
    const encode = (texts: string[]) => clip.encodeText(tokenizer.tokenize(texts, { truncate: true }));
    const direction = async (t: NadaTrainer) => Array.from(await (t as unknown as { directions: Tensor[] }).directions[0].read());
    const expected = async (list: readonly string[]) => {
      const d = rt.noGrad(() => rt.tidy(() => textDirection(encode, 'photo', 'sketch', list)));
      try {
        return Array.from(await d.read());
      } finally {
        d.dispose();
      }
    };
    const custom = await makeTrainer({ templates });
    const standard = await makeTrainer();
    try {
      const [got, want, std, wantStd] = [await direction(custom.trainer), await expected(templates), await direction(standard.trainer), await expected(IMAGENET_TEMPLATES)];
      expect(got).toEqual(want);
      expect(std).toEqual(wantStd);
      // The two template sets give different directions, so the option is not ignored.
      expect(Math.max(...got.map((v, i) => Math.abs(v - std[i])))).toBeGreaterThan(1e-3);
      const clips = [{ name: 'tiny', model: clip, tokenizer, weight: 1 }];
      expect(() => new NadaTrainer(rt, custom.frozen, custom.trainable, clips, { sourceClass: 'photo', targetClass: 'sketch', templates: [] })).toThrow(/no templates/);
    } finally {
      custom.dispose();
      standard.dispose();
    }
  });

  it('encodes exactly the texts nadaPrompts lists (what a command checks against a word vocabulary first)', async () => {
    const seen: string[] = [];
    const recording = { vocabularySize: tokenizer.vocabularySize, tokenize: (texts: string | readonly string[], o?: Parameters<ClipTokenizer['tokenize']>[1]) => (seen.push(...(typeof texts === 'string' ? [texts] : texts)), tokenizer.tokenize(texts, o)) };
    const frozen = await Generator.load(rt, G_PATH);
    const trainable = await Generator.load(rt, G_PATH);
    try {
      const cases: Array<Partial<NadaOptions>> = [{ templates: ['a {} of a cat', '{} art'], autoLayerK: 2, autoLayerIters: 1 }, {}];
      for (const opts of cases) {
        seen.length = 0;
        const o = { sourceClass: 'photo', targetClass: 'sketch', ...opts };
        new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer: recording, weight: 1 }], o).dispose();
        expect(seen.sort()).toEqual(nadaPrompts(o).sort());
      }
      expect(nadaPrompts({ sourceClass: 'photo', targetClass: 'sketch', templates: ['a {}'] })).toEqual(['a photo', 'a sketch', 'a sketch']);
      expect(nadaPrompts({ sourceClass: 'photo', imageGuided: true })).toEqual(['a photo']);
    } finally {
      frozen.dispose();
      trainable.dispose();
    }
  });

  it('refuses inconsistent set-ups with clear errors', async () => {
    const { frozen, trainable, dispose } = await makeTrainer();
    try {
      const clips = [{ name: 'tiny', model: clip, tokenizer, weight: 1 }];
      expect(() => new NadaTrainer(rt, frozen, trainable, clips, { sourceClass: 'photo' })).toThrow(/target class or target images/);
      expect(() => new NadaTrainer(rt, frozen, trainable, [], { sourceClass: 'a', targetClass: 'b' })).toThrow(/at least one CLIP model/);
      expect(() => new NadaTrainer(rt, frozen, trainable, clips, { sourceClass: 'a', targetClass: 'b', batch: 0 })).toThrow(/batch/);
      expect(() => new NadaTrainer(rt, frozen, trainable, clips, { sourceClass: 'a', targetImages: [], autoLayerK: 1, autoLayerIters: 1 })).toThrow();
    } finally {
      dispose();
    }
  });
});

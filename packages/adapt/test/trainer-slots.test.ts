/**
 * The trainers' two slots: a new loss or a new parameterisation is written once, here in the test,
 * and handed to a trainer as a value (`objectives`, `parameterisation`). The registries
 * (`objective-registry.ts`, `parameterisations/registry.ts`) only map names to such values for the
 * command line, so nothing needs registering to be used.
 *
 * Each check compares the trainer with a hand computation of the new term on the same step-0
 * images, so it fails if the trainer drops the term, its weight or a CLIP model's weight, or does
 * not train through it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, type Tensor, add, createRuntime, mean, randomNormal, square } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { type ClipModel, type ClipTokenizer, loadClip, loadTokenizer, preprocessGenerated } from '@stylegpu/clip/node';
import {
  MapperTrainer,
  NadaTrainer,
  type Objective,
  type Parameterisation,
  type TrainerClip,
  buildObjectives,
  classTextEmbedding,
  mapperObjectives,
  nadaObjectives,
} from '../src/index.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G_PATH = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const SEED = 5;
const BATCH = 2;

let rt: Runtime;
let clipA: ClipModel;
let clipB: ClipModel;
let tokenizer: ClipTokenizer;
let clips: TrainerClip[];
beforeAll(async () => {
  rt = await createRuntime();
  clipA = (await loadClip(rt, join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf'))).model;
  clipB = (await loadClip(rt, join(pkgs, 'clip', 'fixtures', 'clip-tiny-b', 'hf'))).model;
  tokenizer = await loadTokenizer(join(pkgs, 'clip', 'fixtures', 'hf-tiny'));
  // Two models with unequal weights, so a term that skips the model weight shows.
  clips = [
    { name: 'a', model: clipA, tokenizer, weight: 1 },
    { name: 'b', model: clipB, tokenizer, weight: 0.5 },
  ];
});
afterAll(() => {
  clipA?.dispose();
  clipB?.dispose();
  rt?.destroy();
});

/** The new loss of this test: the mean squared CLIP image embedding of the adapted images. */
const embeddingEnergy = (weight: number): Objective => ({
  name: 'embedding_energy',
  label: 'embedding energy',
  kind: 'clip',
  weight,
  fn: (c) => mean(square(c.targetEmb)),
});

async function read(t: Tensor): Promise<number> {
  const v = await t.item();
  t.dispose();
  return v;
}

async function snapshot(ts: Iterable<Tensor>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of ts) out.push((await t.read()) as Float32Array);
  return out;
}

/** A NADA trainer on fresh copies of the fixture generator; one step; its loss and what moved. */
async function nadaStep(options: { objectives: Objective[]; parameterisation?: (trainable: Generator) => Parameterisation; targetClass?: string; templates?: string[] }) {
  const frozen = await Generator.load(rt, G_PATH);
  const trainable = await Generator.load(rt, G_PATH);
  const param = options.parameterisation?.(trainable);
  const trainer = new NadaTrainer(rt, frozen, trainable, clips, {
    sourceClass: 'photo',
    targetClass: options.targetClass ?? 'sketch',
    templates: options.templates,
    batch: BATCH,
    lr: 0.02,
    seed: SEED,
    objectives: options.objectives,
    parameterisation: param,
  });
  try {
    const frozenBefore = await snapshot(frozen.params.values());
    const trainableBefore = await snapshot(trainable.params.values());
    const { loss } = await trainer.trainStep();
    const changed = async (before: Float32Array[], after: Iterable<Tensor>) =>
      (await snapshot(after)).map((a, i) => a.some((v, j) => v !== before[i][j]));
    return {
      loss,
      frozenMoved: (await changed(frozenBefore, frozen.params.values())).some(Boolean),
      trainableChanged: await changed(trainableBefore, trainable.params.values()),
      named: param ? await snapshot(param.named().values()) : [],
    };
  } finally {
    trainer.dispose();
    param?.dispose();
    frozen.dispose();
    trainable.dispose();
  }
}

/** Step 0's W+ of NadaTrainer (seed SEED, no mixing) and the images of the unadapted generator. */
async function nadaStepZeroTerm(f: (emb: Tensor) => Tensor): Promise<number[]> {
  const G = await Generator.load(rt, G_PATH);
  try {
    const out: number[] = [];
    for (const c of clips) {
      out.push(
        await read(
          rt.noGrad(() =>
            rt.tidy(() => {
              const img = G.synthesis(G.mapping(randomNormal(rt, [BATCH, G.config.zDim], { seed: SEED, offset: 0 })));
              return f(c.model.encodeImage(preprocessGenerated(img, { size: c.model.config.vision.imageSize })));
            }),
          ),
        ),
      );
    }
    return out;
  } finally {
    G.dispose();
  }
}

describe('a new loss, defined in one place, in the trainers', () => {
  it('NadaTrainer: the loss is Σ_m w_m · weight · term, it adds to the other terms, and it trains the phase layers', async () => {
    const weight = 0.3;
    const [termA, termB] = await nadaStepZeroTerm((e) => mean(square(e)));
    const expected = clips[0].weight * weight * termA + clips[1].weight * weight * termB;
    expect(expected).toBeGreaterThan(1e-3);

    const alone = await nadaStep({ objectives: [embeddingEnergy(weight)] });
    expect(Math.abs(alone.loss - expected)).toBeLessThanOrEqual(2e-6 * expected);
    // Its gradient reaches the trainable generator (NADA's default phase), and nothing else moves.
    expect(alone.trainableChanged.some(Boolean)).toBe(true);
    expect(alone.frozenMoved).toBe(false);

    const without = await nadaStep({ objectives: nadaObjectives({ lambdaDirection: 1, lambdaGlobal: 0 }) });
    const withIt = await nadaStep({ objectives: [...nadaObjectives({ lambdaDirection: 1, lambdaGlobal: 0 }), embeddingEnergy(weight)] });
    expect(Math.abs(withIt.loss - without.loss - expected)).toBeLessThanOrEqual(4e-6 * (withIt.loss + expected));
  });

  it('MapperTrainer: a model-kind loss on the edited images adds weight · term, and trains the mapper', async () => {
    const G = await Generator.load(rt, G_PATH);
    const weight = 0.2;
    const pixelEnergy: Objective = { name: 'pixel_energy', label: 'pixel energy', kind: 'model', weight, fn: (c) => mean(square(c.target)) };
    const defaults = mapperObjectives({ latentL2Lambda: 0.8, clipLambda: 1, normLambda: 0.5 });
    const run = async (objectives: Objective[]) => {
      const t = new MapperTrainer(rt, G, clips, { description: 'a sketch', lr: 0.05, batch: BATCH, objectives });
      try {
        // Step 0's edited images: the trainer draws z from (seed 0, offset 0), as samples() is given here.
        const term = await read(rt.noGrad(() => rt.tidy(() => mean(square(t.samples(randomNormal(rt, [BATCH, G.config.zDim], { seed: 0, offset: 0 })).edited)))));
        const before = await snapshot(t.mapper.parameters());
        const { loss } = await t.trainStep();
        const moved = (await snapshot(t.mapper.parameters())).some((a, i) => a.some((v, j) => v !== before[i][j]));
        return { term, loss, moved };
      } finally {
        t.dispose();
      }
    };
    try {
      const gBefore = await snapshot(G.params.values());
      const alone = await run([pixelEnergy]);
      expect(alone.term).toBeGreaterThan(1e-3);
      expect(Math.abs(alone.loss - weight * alone.term)).toBeLessThanOrEqual(2e-6 * weight * alone.term);
      expect(alone.moved).toBe(true);
      const without = await run(defaults);
      const withIt = await run([...defaults, pixelEnergy]);
      expect(Math.abs(withIt.loss - without.loss - weight * withIt.term)).toBeLessThanOrEqual(4e-6 * withIt.loss);
      // The generator stays frozen whatever the objectives.
      expect((await snapshot(G.params.values())).every((a, i) => a.every((v, j) => v === gBefore[i][j]))).toBe(true);
    } finally {
      G.dispose();
    }
  });

  it('manifold (NADA λ_manifold) runs in the trainer: at step 0 it is Σ_m w_m · |1 − t_src·t_tgt|', async () => {
    // Step 0: adapted = source images, so every image cosine is 1 and only the class cosine is left.
    const templates = ['a {}', 'a {} image'];
    const classCos: number[] = [];
    for (const c of clips) {
      const encode = (texts: string[]) => c.model.encodeText(c.tokenizer.tokenize(texts, { truncate: true }));
      const embed = async (cls: string) => {
        const e = rt.noGrad(() => rt.tidy(() => classTextEmbedding(encode, cls, templates)));
        const v = Array.from((await e.read()) as Float32Array);
        e.dispose();
        return v;
      };
      const [s, t] = [await embed('photo'), await embed('sketch')];
      classCos.push(s.reduce((acc, v, i) => acc + v * t[i], 0));
    }
    const expected = clips.reduce((acc, c, m) => acc + c.weight * Math.abs(1 - classCos[m]), 0);
    const { loss } = await nadaStep({ objectives: buildObjectives([{ name: 'manifold', weight: 1 }]), templates });
    expect(Math.abs(loss - expected)).toBeLessThanOrEqual(1e-5);
  });

  it('a trainer refuses an objective that needs a part of the step it does not have, naming both', async () => {
    const G = await Generator.load(rt, G_PATH);
    try {
      expect(() => new MapperTrainer(rt, G, clips, { description: 'a sketch', objectives: buildObjectives([{ name: 'direction', weight: 1 }]) })).toThrow(
        'MapperTrainer: the objective direction needs a target direction (NadaTrainer: a target class or target images)',
      );
      expect(() => new MapperTrainer(rt, G, clips, { description: 'a sketch', objectives: buildObjectives([{ name: 'offsets_l2', weight: 1 }]) })).toThrow(
        /MapperTrainer: the objective offsets_l2 needs a parameterisation/,
      );
      const frozen = await Generator.load(rt, G_PATH);
      try {
        const image = rt.tensor(new Float32Array(3 * 16 * 16).fill(0.5), [1, 3, 16, 16]);
        expect(
          () =>
            new NadaTrainer(rt, frozen, G, clips, {
              sourceClass: 'photo',
              targetImages: [image],
              objectives: buildObjectives([{ name: 'manifold', weight: 1 }]),
            }),
        ).toThrow('NadaTrainer: the objective manifold needs the source and target class text embeddings (a text target, not target images)');
        image.dispose();
      } finally {
        frozen.dispose();
      }
    } finally {
      G.dispose();
    }
  });
});

/** The new parameterisation of this test: one colour offset per channel added to the generator's image. */
class ColourShift implements Parameterisation {
  readonly name = 'colour_shift';
  readonly optimizer = 'adam' as const;
  readonly shift: Tensor;
  constructor(readonly generator: Generator) {
    for (const p of generator.parameters()) p.requiresGrad = false;
    this.shift = generator.rt.parameter(new Float32Array(3), [1, 3, 1, 1], 'colour_shift');
  }
  named() {
    return new Map([['shift', this.shift]]);
  }
  synthesis(ws: Tensor) {
    return add(this.generator.synthesis(ws), this.shift);
  }
  offsets() {
    return [this.shift];
  }
  parameterCount() {
    return 3;
  }
  dispose() {
    this.shift.dispose();
  }
}

describe('a new parameterisation, defined in one place, in the trainer', () => {
  it('trains only its own tensors: the shift moves, no generator weight does; offset objectives see its offsets', async () => {
    const r = await nadaStep({
      objectives: buildObjectives([
        { name: 'direction', weight: 1 },
        { name: 'offsets_l2', weight: 0.1 },
      ]),
      parameterisation: (trainable) => new ColourShift(trainable),
    });
    expect(r.named).toHaveLength(1);
    expect(Array.from(r.named[0]).every((v) => v !== 0)).toBe(true);
    expect(r.trainableChanged.some(Boolean)).toBe(false);
    expect(r.frozenMoved).toBe(false);
    expect(Number.isFinite(r.loss)).toBe(true);
  });
});

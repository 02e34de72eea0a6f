/**
 * `trainStyleGan`'s hook for variants of the recipe: `prepare` gets the trainer (built new or resumed) and the
 * run options in effect before the run folder exists, its undo runs when the run ends (also when it fails), and
 * `runOptions` go into training_options.json and every training state, so a resumed run gets them back; a
 * resume given different ones is refused by name, and a `prepare` that throws leaves no run folder.
 * A tiny 8-px run, two iterations per call.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RasterImage } from '@stylegpu/io';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { ImageArraySource } from '../src/train/image-source.js';
import { StyleGan2Trainer } from '../src/train/trainer.js';
import { parseTrainingState, trainingStateBytes } from '../src/train/training-state.js';
import { type RunOptions, trainStyleGan } from '../src/train/train-run.js';

let rt: Runtime;
let dir: string;
beforeAll(async () => {
  rt = await createRuntime();
  dir = mkdtempSync(join(tmpdir(), 'stylegpu-prepare-'));
});
afterAll(() => {
  rt?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const images: RasterImage[] = Array.from({ length: 3 }, (_, i) => ({ width: 8, height: 8, channels: 3, data: Uint8Array.from({ length: 8 * 8 * 3 }, (_, k) => (k * 37 + i * 91) & 255) }));
const source = new ImageArraySource(images, { name: 'eight', seed: 1 });
const common = {
  source,
  tickKimg: 0.004,
  snap: 1,
  network: { channelBase: 64, channelMax: 8, zDim: 8, wDim: 8, mappingLayers: 1, mbstdGroup: 2 },
  training: { batch: 4, gamma: 0, seed: 5 },
  gridSeeds: [0, 1],
};

describe('trainStyleGan prepare hook and run options', () => {
  it('prepares new and resumed runs, undoes at the end, and gives a resume its stored run options', async () => {
    const calls: Array<{ step: number; run: RunOptions; trainer: StyleGan2Trainer }> = [];
    let undone = 0;
    const prepare = (trainer: StyleGan2Trainer, run: RunOptions) => {
      calls.push({ step: trainer.counters.step, run, trainer });
      const folders = existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')).length : 0;
      expect(folders, 'prepare runs before the run folder exists').toBe(calls.length - 1);
      return () => {
        undone++;
      };
    };
    const recorded = { variant: { mode: 'x', k: 2 } };
    const a = await trainStyleGan(rt, { ...common, outdir: join(dir, 'runs'), kimg: 0.008, runOptions: recorded, prepare, desc: (run) => `v-${(run.variant as { mode: string }).mode}` });
    expect(calls.map((c) => [c.step, c.run])).toEqual([[0, recorded]]);
    expect(undone).toBe(1);
    expect(a.runDir).toMatch(/00000-eight-8px-gamma0-kimg0\.008-batch4-v-x$/);
    expect(JSON.parse(readFileSync(join(a.runDir, 'training_options.json'), 'utf8')).runOptions).toEqual(recorded);
    expect(parseTrainingState(readFileSync(a.lastState!)).run.runOptions).toEqual(recorded);

    // Resumed without repeating them: the stored run options come back, to prepare, the folder name and the new states.
    const b = await trainStyleGan(rt, { ...common, outdir: join(dir, 'runs'), kimg: 0.016, resume: a.lastState!, prepare, desc: (run) => `v-${(run.variant as { mode: string }).mode}` });
    expect(calls.map((c) => [c.step, c.run])).toEqual([[0, recorded], [2, recorded]]);
    expect(calls[1].trainer).not.toBe(calls[0].trainer);
    expect(undone).toBe(2);
    expect(b.runDir).toMatch(/00001-eight-8px-gamma0-kimg0\.016-batch4-v-x$/);
    expect(JSON.parse(readFileSync(join(b.runDir, 'training_options.json'), 'utf8')).runOptions).toEqual(recorded);
    expect(parseTrainingState(readFileSync(b.lastState!)).run.runOptions).toEqual(recorded);

    // Repeating them unchanged is allowed; a different value is refused, naming the file and the option.
    await expect(trainStyleGan(rt, { ...common, outdir: join(dir, 'runs'), kimg: 0.016, resume: a.lastState!, runOptions: { variant: { mode: 'y', k: 2 } } })).rejects.toThrow(
      /^train: .*training-state-000000\.safetensors was trained with variant \{"mode":"x","k":2\}, not \{"mode":"y","k":2\}; a resumed run keeps the run options it was started with$/,
    );
    await expect(trainStyleGan(rt, { ...common, outdir: join(dir, 'runs'), kimg: 0.016, resume: a.lastState!, runOptions: { other: 1 } })).rejects.toThrow(/was trained with other null, not 1/);
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(2);
    const same = await trainStyleGan(rt, { ...common, outdir: join(dir, 'runs'), kimg: 0.012, resume: a.lastState!, runOptions: recorded });
    expect(same.steps).toBe(1);
  });

  it('undoes after a failed run, and a prepare that throws leaves no run folder', async () => {
    let undone = 0;
    await expect(
      trainStyleGan(rt, {
        ...common,
        outdir: join(dir, 'fails'),
        kimg: 0.008,
        prepare: () => () => undone++,
        onStep: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    expect(undone).toBe(1);
    await expect(
      trainStyleGan(rt, {
        ...common,
        outdir: join(dir, 'refused'),
        kimg: 0.008,
        prepare: () => {
          throw new Error('train: not this one');
        },
      }),
    ).rejects.toThrow('train: not this one');
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('a state without run options (written before they existed) resumes with none', async () => {
    const first = await trainStyleGan(rt, { ...common, outdir: join(dir, 'old'), kimg: 0.008, runOptions: { variant: 1 } });
    const { run, ...host } = parseTrainingState(readFileSync(first.lastState!));
    const old = join(dir, 'old-state.safetensors');
    writeFileSync(old, trainingStateBytes(host, { tick: run.tick, tickStartNimg: run.tickStartNimg, data: run.data }));
    const seen: RunOptions[] = [];
    await trainStyleGan(rt, { ...common, outdir: join(dir, 'old'), kimg: 0.012, resume: old, prepare: (_t, r) => void seen.push(r) });
    expect(seen).toEqual([{}]);
  });
});

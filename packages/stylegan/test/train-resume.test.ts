/**
 * Resuming is bit-exact: N iterations in one go and N/2 + snapshot + resume + N/2 give the same
 * G, D, G_ema, Adam moments and counters, bit for bit — through the trainer's host state and the
 * training-state file, and through whole runs on disk (`trainStyleGan` with --resume). The run's
 * files are checked too (grids, snapshots that `Generator.load` reads, stats.jsonl), and the
 * refusals of bad resume inputs; a state's metadata read from its header alone equals the whole file's.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostTensor, type RasterImage, decodePng } from '@stylegpu/io';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { SEED } from '@stylegpu/kernels/testing';
import { ImageArraySource } from '../src/train/image-source.js';
import { networkConfig } from '../src/train/network-config.js';
import { StyleGan2Trainer, type TrainerHostState } from '../src/train/trainer.js';
import { parseTrainingState, trainingStateBytes } from '../src/train/training-state.js';
import { trainStyleGan } from '../src/train/train-run.js';
import { readTrainingStateMetadata } from '../src/train/read-training-state-metadata.js';
import { Generator } from '../src/model/generator.js';

const seed = SEED;
let rt: Runtime;
let dir: string;

function images(n: number, res: number, s: number): RasterImage[] {
  let x = s >>> 0;
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 24;
  };
  return Array.from({ length: n }, () => ({ width: res, height: res, channels: 3 as const, data: Uint8Array.from({ length: res * res * 3 }, next) }));
}

beforeAll(async () => {
  rt = await createRuntime();
  dir = mkdtempSync(join(tmpdir(), 'stylegpu-train-'));
  console.log(`train-resume seed ${seed} (STYLEGPU_TEST_SEED to repeat)`);
});
afterAll(() => {
  rt?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const configs = networkConfig({ resolution: 16, channelBase: 128, channelMax: 16, zDim: 32, wDim: 32, mappingLayers: 2, mbstdGroup: 2 });
const training = { batch: 4, gamma: 0, seed: seed % 1000, emaKimg: 0.02 };

function expectSameState(a: TrainerHostState, b: TrainerHostState): void {
  expect(b.counters).toEqual(a.counters);
  const same = (what: string, x: Map<string, HostTensor>, y: Map<string, HostTensor>) => {
    expect([...y.keys()], what).toEqual([...x.keys()]);
    for (const [k, t] of x) {
      const u = y.get(k)!;
      expect(u.shape, `${what}.${k}`).toEqual(t.shape);
      const p = t.data as Float32Array;
      const q = u.data as Float32Array;
      for (let i = 0; i < p.length; i++) {
        if (!Object.is(p[i], q[i])) throw new Error(`${what}.${k}[${i}]: ${p[i]} vs ${q[i]} after resuming`);
      }
    }
  };
  same('G', a.G, b.G);
  same('D', a.D, b.D);
  same('G_ema', a.Gema, b.Gema);
  for (const [which, x, y] of [['G_opt', a.optG, b.optG], ['D_opt', a.optD, b.optD]] as const) {
    expect([...y.params.keys()]).toEqual([...x.params.keys()]);
    for (const [k, s] of x.params) {
      const t = y.params.get(k)!;
      expect(t.step, `${which}.${k}.step`).toBe(s.step);
      same(`${which}.m`, new Map([[k, s.m]]), new Map([[k, t.m]]));
      same(`${which}.v`, new Map([[k, s.v]]), new Map([[k, t.v]]));
    }
  }
}

async function run(t: StyleGan2Trainer, source: ImageArraySource, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const s = t.counters.step;
    const reals = rt.tensor(source.batch(s, 4), [4, 3, 16, 16]);
    await t.step(reals);
    reals.dispose();
  }
}

describe('resume', () => {
  it('with R1 every 2nd step (γ 1), N steps equal N/2 + training-state file + N/2, bit for bit', async () => {
    const source = new ImageArraySource(images(6, 16, seed), { seed: 1, mirror: true });
    const withR1 = { ...training, gamma: 1, dRegInterval: 2 };
    const stats: number[] = [];
    const full = StyleGan2Trainer.create(rt, configs, withR1);
    for (let i = 0; i < 4; i++) {
      const reals = rt.tensor(source.batch(i, 4), [4, 3, 16, 16]);
      const s = await full.step(reals);
      reals.dispose();
      if (s.r1Penalty !== null) stats.push(s.step);
    }
    expect(stats).toEqual([0, 2]);
    const want = await full.toHostState();
    full.dispose();
    const half = StyleGan2Trainer.create(rt, configs, withR1);
    await run(half, source, 2);
    const resumed = StyleGan2Trainer.fromHostState(rt, parseTrainingState(trainingStateBytes(await half.toHostState())));
    half.dispose();
    await run(resumed, source, 2);
    expectSameState(want, await resumed.toHostState());
    resumed.dispose();
  });

  it('N steps equal N/2 + training-state file + N/2, bit for bit', async () => {
    const source = new ImageArraySource(images(6, 16, seed), { seed: 1, mirror: true });
    const full = StyleGan2Trainer.create(rt, configs, training);
    await run(full, source, 4);
    const want = await full.toHostState();
    full.dispose();

    const half = StyleGan2Trainer.create(rt, configs, training);
    await run(half, source, 2);
    const bytes = trainingStateBytes(await half.toHostState(), { note: 'x' });
    half.dispose();
    const parsed = parseTrainingState(bytes);
    expect(parsed.run).toEqual({ note: 'x' });
    expect(parsed.counters).toEqual({ step: 2, nimg: 8, plMean: 0 });
    const resumed = StyleGan2Trainer.fromHostState(rt, parsed);
    await run(resumed, source, 2);
    const got = await resumed.toHostState();
    resumed.dispose();
    expectSameState(want, got);
    // And training did move the weights.
    const w0 = StyleGan2Trainer.create(rt, configs, training);
    const init = await w0.toHostState();
    w0.dispose();
    expect(init.G.get('synthesis.b16.conv1.weight')!.data).not.toEqual(want.G.get('synthesis.b16.conv1.weight')!.data);
  });

  it('a run on disk, and the same run stopped half way and resumed, end with identical state files', async () => {
    const source = new ImageArraySource(images(5, 16, seed + 1), { name: 'noise images', seed: 2 });
    const common = { source, tickKimg: 0.008, snap: 1, network: { channelBase: 128, channelMax: 16, zDim: 32, wDim: 32, mappingLayers: 2, mbstdGroup: 2 }, training, gridSeeds: [0, 1, 2, 3] };
    const lines: string[] = [];
    const a = await trainStyleGan(rt, { ...common, outdir: join(dir, 'a'), kimg: 0.016, log: (l) => lines.push(l) });
    expect(a.steps).toBe(4);
    expect(a.kimg).toBe(0.016);
    const files = readdirSync(a.runDir).sort();
    expect(a.runDir).toMatch(/00000-noise_images-16px-gamma0-kimg0.016-batch4$/);
    for (const f of ['reals.png', 'fakes_init.png', 'fakes000000.png', 'network-snapshot-000000.safetensors', 'training-state-000000.safetensors', 'stats.jsonl', 'training_options.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    const grid = decodePng(readFileSync(join(a.runDir, 'fakes000000.png')));
    expect([grid.width, grid.height]).toEqual([4 * 16, 16]);
    const stats = readFileSync(join(a.runDir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Ticks end after the first iteration (tick 0), then every 8 images, and at the end.
    expect(stats.map((s) => s.kimg)).toEqual([0.004, 0.012, 0.016]);
    expect(stats.every((s) => Number.isFinite(s.loss_G) && Number.isFinite(s.loss_D))).toBe(true);
    expect(lines.some((l) => /^tick 0 +kimg 0\.0 /.test(l))).toBe(true);
    const G = await Generator.load(rt, a.lastNetwork!);
    expect(G.config.imgResolution).toBe(16);
    G.dispose();

    const b1 = await trainStyleGan(rt, { ...common, outdir: join(dir, 'b'), kimg: 0.008 });
    expect(b1.steps).toBe(2);
    const b2 = await trainStyleGan(rt, { ...common, outdir: join(dir, 'b'), kimg: 0.016, resume: b1.lastState! });
    expect(b2.steps).toBe(2);
    expect(b2.runDir).toMatch(/00001-/);
    expect(existsSync(join(b2.runDir, 'fakes_init.png'))).toBe(false);
    const want = parseTrainingState(readFileSync(a.lastState!));
    const got = parseTrainingState(readFileSync(b2.lastState!));
    expectSameState(want, got);
    expect(got.run.tick).toBe(want.run.tick);
  });

  it('refuses bad resume inputs, naming the file', async () => {
    const state = join(dir, 'a', readdirSync(join(dir, 'a')).find((f) => f.startsWith('00000-'))!);
    const last = join(state, readdirSync(state).filter((f) => f.startsWith('training-state')).sort().pop()!);
    const source = new ImageArraySource(images(2, 16, seed), { name: 'x' });
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 0.012, resume: last })).rejects.toThrow(/has already trained 0\.016 kimg; --kimg 0\.012/);
    const small = new ImageArraySource(images(2, 8, seed), { name: 'eight' });
    await expect(trainStyleGan(rt, { source: small, outdir: join(dir, 'c'), kimg: 1, resume: last })).rejects.toThrow(/trains 16×16×3 images, but eight gives 8×8×3/);
    const net = join(state, readdirSync(state).find((f) => f.startsWith('network-snapshot'))!);
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 1, resume: net })).rejects.toThrow(/network-snapshot.*not a stylegpu training state.*training-state-\*\.safetensors/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'hello');
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 1, resume: junk })).rejects.toThrow(/junk\.safetensors: not a safetensors file/);
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 1, resume: join(dir, 'missing') })).rejects.toThrow(/cannot read --resume .*missing/);
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 0 })).rejects.toThrow(/--kimg must be a positive number/);
    await expect(trainStyleGan(rt, { source, outdir: join(dir, 'c'), kimg: 1, snap: 0 })).rejects.toThrow(/--snap must be a positive integer/);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });

  it('reads a state file\'s metadata from its header alone, as parseTrainingState reads it, and refuses the same bad files', async () => {
    const state = join(dir, 'a', readdirSync(join(dir, 'a')).find((f) => f.startsWith('00000-'))!);
    const last = join(state, readdirSync(state).filter((f) => f.startsWith('training-state')).sort().pop()!);
    const whole = parseTrainingState(readFileSync(last));
    const head = await readTrainingStateMetadata(last);
    expect(head).toEqual({ configs: whole.configs, options: whole.options, counters: whole.counters, run: whole.run });
    expect(head.options.seed).toBe(training.seed);
    const net = join(state, readdirSync(state).find((f) => f.startsWith('network-snapshot'))!);
    await expect(readTrainingStateMetadata(net)).rejects.toThrow(/network-snapshot.*not a stylegpu training state.*training-state-\*\.safetensors/);
    const junk = join(dir, 'junk2.safetensors');
    writeFileSync(junk, 'hello');
    await expect(readTrainingStateMetadata(junk)).rejects.toThrow(/junk2\.safetensors: not a safetensors file \(file is 5 bytes/);
    writeFileSync(junk, readFileSync(last).subarray(0, 100));
    await expect(readTrainingStateMetadata(junk)).rejects.toThrow(/junk2\.safetensors: not a safetensors file \(header length \d+ runs past the end of the file \(92 bytes follow it\)\)/);
    await expect(readTrainingStateMetadata(join(dir, 'missing'))).rejects.toThrow(/cannot read --resume .*missing/);
  });
});

/**
 * The models-train suite without timing: the networks both sides train have the recipe's parameter
 * counts (checked against hand arithmetic, the shape tables, the Trainer's own networks and the
 * PyTorch peer's), our case runs a window and checks it, and the PyTorch peer runs a tiny window with
 * finite losses, refuses networks whose counts differ, and is skipped with a note without Python.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { StyleGan2Trainer, networkConfig } from '@stylegpu/stylegan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../src/harness.js';
import { runTorchTrain } from '../src/peers/torch-train.js';
import { renderMarkdown } from '../src/report.js';
import { EMBEDDED_RECIPE, type TrainRecipe, shapeTableCounts, trainCase, trainSuite, trainTorchWork, trainerCounts } from '../src/suites/models-train.js';

const torchAvailable = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable) console.log("models-train: the PyTorch peer tests are skipped: /usr/bin/python3 cannot import torch (install Debian's python3-torch to run them)");

/** 8 px, 8 channels, batch 4, R1 every 2 iterations: a window of two steps, one with R1. */
const TINY: TrainRecipe = {
  network: { resolution: 8, channelBase: 64, channelMax: 8, mappingLayers: 2, zDim: 16, wDim: 16, mbstdGroup: 4 },
  training: { batch: 4, gamma: 0.1, dRegInterval: 2, emaKimg: 10, emaRampup: 0.05, seed: 5 },
};

/**
 * Hand count for 32 px, C channels at every resolution, z = w = Z, two mapping layers, RGB:
 * G = mapping 2(Z² + Z) + const 16C + 7 modulated 3×3 convs (9C² + C bias + 1 noise strength + affine ZC + C)
 *     + 4 ToRGB (3C + 3 + ZC + C);
 * D = FromRGB (3C + C) + 3 blocks (two 3×3 convs 9C² + C, a 1×1 skip C²) + epilogue conv (9C(C+1) + C)
 *     + FC (16C² + C) + out (C + 1).
 */
function handCounts(C: number, Z: number): { gParams: number; dParams: number } {
  const modConv = 9 * C * C + C + 1 + Z * C + C;
  const toRgb = 3 * C + 3 + Z * C + C;
  const gParams = 2 * (Z * Z + Z) + 16 * C + 7 * modConv + 4 * toRgb;
  const dParams = 4 * C + 3 * (2 * (9 * C * C + C) + C * C) + (9 * C * (C + 1) + C) + (16 * C * C + C) + (C + 1);
  return { gParams, dParams };
}

describe('models-train', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime();
  });
  afterAll(() => rt?.destroy());

  it("counts the recipe's parameters alike by hand, by the shape tables and in the Trainer's networks", () => {
    const want = handCounts(32, 128);
    expect(want).toEqual({ gParams: 144083, dParams: 84673 });
    expect(shapeTableCounts(networkConfig(EMBEDDED_RECIPE.network))).toEqual(want);
    const trainer = StyleGan2Trainer.create(rt, networkConfig(EMBEDDED_RECIPE.network), EMBEDDED_RECIPE.training);
    try {
      expect(trainerCounts(trainer)).toEqual(want);
    } finally {
      trainer.dispose();
    }
    // Another width changes both counts as the formula says (the tables are not constants).
    expect(shapeTableCounts(networkConfig({ ...EMBEDDED_RECIPE.network, channelMax: 16 }))).toEqual(handCounts(16, 128));
  });

  it('lists one Node case and two PyTorch items (default threads, all CPUs) carrying the counts, and nothing in Chromium', () => {
    const { cases } = trainSuite.cases('node', false);
    expect(cases.map((c) => c.name)).toEqual(['train 32px c32 map2 b32 (16-iteration R1 window)']);
    expect(cases[0].params).toMatchObject({ batch: 32, iterations: 16, gamma: 0.0064, gParams: 144083, dParams: 84673 });
    expect(cases[0].repeats).toBe(5);
    expect(trainSuite.cases('node', true).cases[0].repeats).toBe(1);
    const work = trainSuite.torchAnchors!(false);
    expect(work.map((w) => [w.kind, w.threads, w.group])).toEqual([
      ['train', 'default', cases[0].group],
      ['train', 'all', cases[0].group],
    ]);
    expect(trainSuite.torchAnchors!(true).map((w) => w.threads)).toEqual(['default']);
    expect(work[0]).toMatchObject({ batch: 32, iterations: 16, dRegInterval: 16, gParams: 144083, dParams: 84673, channels: { 4: 32, 8: 32, 16: 32, 32: 32 } });
    const browser = trainSuite.cases('browser', false);
    expect(browser.cases).toEqual([]);
    expect(browser.skipped[0]).toMatch(/not run in Chromium/);
  });

  it('runs a tiny window with our Trainer: R1 once, finite losses, the counts in its metrics', async () => {
    const inst = trainCase(TINY, 1).setup({ rt, runtime: 'node' });
    try {
      await inst.runAsync!();
      const check = await inst.check();
      expect(check.ok).toBe(true);
      expect(check.samples).toBe(2 * 3 + 1); // two iterations of three losses, one R1 penalty
      const m = inst.metrics!();
      expect(m).toMatchObject(shapeTableCounts(networkConfig(TINY.network)));
      expect(Number.isFinite(m.r1)).toBe(true);
      expect(m.peakMiB).toBeGreaterThan(0);
    } finally {
      inst.dispose();
    }
  });

  // PyTorch is an optional peer (Debian's python3-torch for /usr/bin/python3): a user's machine may lack it.
  it.skipIf(!torchAvailable)("builds PyTorch networks with the recipe's counts and trains a tiny window to finite losses", async () => {
    const log: string[] = [];
    const counted = await runTorchTrain([{ ...trainTorchWork(EMBEDDED_RECIPE, 0, 'default'), iterations: 0 }], { log: (l) => log.push(l) });
    expect(counted.note).toBeUndefined();
    expect(counted.results[0].error).toBeUndefined();
    expect(counted.results[0].metrics).toMatchObject({ gParams: 144083, dParams: 84673 });
    expect(log.some((l) => /torch\.get_num_threads\(\) = \d+ by default/.test(l))).toBe(true);
    expect(log.some((l) => l.includes('G 144083 parameters (stylegpu 144083), D 84673 (stylegpu 84673)'))).toBe(true);

    const [tiny] = (await runTorchTrain([trainTorchWork(TINY, 0, 'default')])).results;
    expect(tiny.error).toBeUndefined();
    expect(tiny.check).toMatchObject({ ok: true, samples: 7 });
    expect(tiny.metrics).toMatchObject(shapeTableCounts(networkConfig(TINY.network)));
    for (const k of ['lossG', 'lossD', 'r1']) expect(Number.isFinite(tiny.metrics![k]), k).toBe(true);
    expect(tiny.wallMs).toBeUndefined(); // repeats 0: nothing timed
  });

  it.skipIf(!torchAvailable)('refuses to time PyTorch networks whose parameter count differs from ours', async () => {
    const work = trainTorchWork(TINY, 1, 'default');
    const [r] = (await runTorchTrain([{ ...work, dParams: (work.dParams as number) + 1 }])).results;
    expect(r.error).toMatch(/^parameter count mismatch: D has \d+ in torch, \d+ in stylegpu/);
    expect(r.wallMs).toBeUndefined();
  });

  it('reports images/s as batch × iterations per window, s per iteration, and labels the torch rows by thread count', () => {
    const stats = (median: number) => ({ n: 5, median, min: median, max: median, q1: median, q3: median });
    const group = 'train 32px c32 map2 b32 (16-iteration R1 window)';
    const params = { batch: 32, iterations: 16 };
    const row = (runtime: string, name: string, ms: number): CaseResult => ({ suite: 'models-train', group, name, runtime, params, flops: 0, bytes: 0, check: { ok: true, maxAbsErr: 0, tolerance: 0, samples: 49 }, wallMs: stats(ms) });
    const md = renderMarkdown(
      {
        schema: 1, date: '2026-12-04T00:00:00.000Z', quick: false, command: 'test', durationSec: 1, versions: {}, adapters: [], skipped: [],
        machine: { cpu: 'x', logicalCpus: 2, ramGiB: 1, os: 'x', loadStart: [0, 0, 0], peakGflops: 100, peakNote: 'x' },
        results: [row('stylegpu-node', group, 40_000), row('torch-cpu', `${group} (torch-cpu, default 1 thread)`, 8_000), row('torch-cpu', `${group} (torch-cpu, 2 threads)`, 5_000)],
      },
      'latest.svg',
      'latest.json',
    );
    // 32 × 16 images in 40 s = 12.8 images/s, 2.5 s per iteration; torch (default threads) 64 images/s: ×0.2.
    expect(md).toContain(`| ${group} | stylegpu-node | 32 | 40.0 | 12.8 | 2.50 | – | – | 0.20 |`);
    expect(md).toContain(`| ${group} (torch-cpu, default 1 thread) | torch-cpu | 32 | 8.00 | 64.0 | 0.500 |`);
    expect(md).toContain(`| ${group} (torch-cpu, 2 threads) | torch-cpu | 32 | 5.00 | 102 | 0.313 |`);
  });

  it('skips the PyTorch training peer with a note, not an error, when its Python is missing', async () => {
    const r = await runTorchTrain([trainTorchWork(TINY, 1, 'default')], { python: join(tmpdir(), 'no-such-python') });
    expect(r.results).toEqual([]);
    expect(r.note).toMatch(/^torch-cpu training peer skipped: .*no-such-python not found/);
  });
});

/**
 * `stylegpu world predictor train|eval` through the built binary at toy scale: the files a run
 * writes and that they load, eval lines on both splits, a resumed run ending bit-identical to an
 * uninterrupted one, the eval table and FPD, embedded names (`--network embedded:shapes32`, also
 * for `generate`, and `--predictor embedded:shapes32-predictor`) resolved in STYLEGPU_EMBEDDED_DIR,
 * and bad flags refused with one line before the GPU is opened.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { loadWorld } from '@stylegpu/world';
import { parseStyleGanCheckpoint, saveStyleGanCheckpoint } from '@stylegpu/stylegan';
import { defaultPredictorConfig, initPredictorWeights, loadPredictor, PREDICTOR_FORMAT, PREDICTOR_VERSION } from '@stylegpu/world/predictor';
import { FIXTURES, NO_GPU_ENV, listTree, stderrLines, stylegpu } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stylegpu-world-predictor-'));
const tiny = ['--data', 'world:shapes', '--resolution', '16', '--batch', '8', '--eval-n', '8'];

describe('stylegpu world predictor', () => {
  it('trains, snapshots, resumes to the same weights as an uninterrupted run, and evaluates a generator', async () => {
    const straight = join(work, 'straight');
    const r = stylegpu(['world', 'predictor', 'train', ...tiny, '--kimg', '0.048', '--eval-every', '0.024', '--outdir', straight]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('stylegpu:'))).toEqual([]);
    expect(r.status).toBe(0);
    expect(readdirSync(straight).sort()).toEqual(['eval.jsonl', 'predictor-state.safetensors', 'predictor.safetensors']);
    const evalLines = r.stdout.split('\n').filter((l) => l.startsWith('eval '));
    expect(evalLines.map((l) => l.split(' | ')[0])).toEqual(['eval 0.024 kimg', 'eval 0.048 kimg']);
    for (const l of evalLines) expect(l).toMatch(/\| test: shape acc [\d.]+, size mae [\d.]+, .* \| heldout: shape acc [\d.]+, .*stripeFrequency mae [\d.]+$/);
    const records = readFileSync(join(straight, 'eval.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.kimg)).toEqual([0.024, 0.048]);
    expect(Object.keys(records[1].heldout)).toContain('hue');

    const rt = await createRuntime();
    try {
      const p = await loadPredictor(rt, join(straight, 'predictor.safetensors'));
      expect(p.config.resolution).toBe(16);
      p.dispose();
    } finally {
      rt.destroy();
    }

    // 3 steps, then resumed to 6: the same weights (Adam state and the data stream continue).
    const part = join(work, 'part');
    expect(stylegpu(['world', 'predictor', 'train', ...tiny, '--kimg', '0.024', '--outdir', part]).status).toBe(0);
    expect(readSafetensors(readFileSync(join(part, 'predictor-state.safetensors'))).metadata.step).toBe('3');
    const resumed = join(work, 'resumed');
    const rr = stylegpu(['world', 'predictor', 'train', '--resume', join(part, 'predictor-state.safetensors'), '--kimg', '0.048', '--eval-n', '8', '--outdir', resumed]);
    expect(rr.status, rr.stderr).toBe(0);
    const a = readSafetensors(readFileSync(join(straight, 'predictor.safetensors')));
    const b = readSafetensors(readFileSync(join(resumed, 'predictor.safetensors')));
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, t] of a.tensors) expect(b.tensors.get(name)!.data, name).toEqual(t.data);

    const ev = stylegpu(['world', 'predictor', 'eval', '--predictor', join(straight, 'predictor.safetensors'), '--network', FIXTURES.generator, '--n', '12', '--batch', '8']);
    expect(ev.status, ev.stderr).toBe(0);
    const rows = ev.stdout.split('\n').filter((l) => l.startsWith('| '));
    expect(rows[0]).toMatch(/^\| factor \| data \(12 test-split images, predicted\) \| G \(12 samples of .*g16_nvidia\.pkl, predicted\) \|$/);
    expect(rows.slice(2).map((l) => l.split(' | ')[0].slice(2))).toEqual(['shape', 'size', 'x', 'y', 'rotation', 'hue', 'backgroundHue', 'texture', 'stripeFrequency']);
    expect(rows.find((l) => l.startsWith('| shape '))).toMatch(/circle \d+% · square \d+% · triangle \d+% · star \d+% · cross \d+% · heart \d+%/);
    expect(rows.find((l) => l.startsWith('| hue '))).toMatch(/\(circular\)/);
    const fpd = /FPD \(Fréchet distance of predictor features, 12 test-split images vs 12 generated\): ([\d.]+)/.exec(ev.stdout);
    expect(Number(fpd?.[1])).toBeGreaterThan(0);

    // The same files as embedded models, through STYLEGPU_EMBEDDED_DIR.
    const embedded = join(work, 'embedded');
    mkdirSync(embedded);
    writeFileSync(join(embedded, 'shapes32.safetensors'), saveStyleGanCheckpoint(parseStyleGanCheckpoint(new Uint8Array(readFileSync(FIXTURES.generator)))));
    copyFileSync(join(straight, 'predictor.safetensors'), join(embedded, 'shapes32-predictor.safetensors'));
    const env = { ...process.env, STYLEGPU_EMBEDDED_DIR: embedded };
    const byName = stylegpu(['world', 'predictor', 'eval', '--predictor', 'embedded:shapes32-predictor', '--network', 'embedded:shapes32', '--n', '12', '--batch', '8'], { env });
    expect(byName.status, byName.stderr).toBe(0);
    expect(/FPD .*: ([\d.]+)/.exec(byName.stdout)?.[1]).toBe(fpd?.[1]);
    const gen = stylegpu(['generate', '--network', 'embedded:shapes32', '--seeds', '0-1', '--outdir', join(work, 'gen')], { env });
    expect(gen.status, gen.stderr).toBe(0);
    expect(readdirSync(join(work, 'gen')).sort()).toEqual(['seed0000.png', 'seed0001.png']);
  });

  it('refuses bad flags with one line, before the GPU opens, writing nothing', () => {
    const out = join(work, 'never');
    const notState = join(work, 'not-state.safetensors');
    writeFileSync(notState, readFileSync(FIXTURES.generator));
    // A predictor file written on the CPU (the weights' initial values and the saved format).
    const predictorFile = join(work, 'cpu-predictor.safetensors');
    const config = defaultPredictorConfig(loadWorld('world:shapes', { resolution: 16 }).schema, 16);
    writeFileSync(predictorFile, writeSafetensors(initPredictorWeights(config, 0), { format: PREDICTOR_FORMAT, version: PREDICTOR_VERSION, config: JSON.stringify(config) }));
    const emptyDir = mkdtempSync(join(tmpdir(), 'stylegpu-no-embedded-'));
    const cases: Array<[string[], RegExp]> = [
      [['world', 'predictor', 'train', '--outdir', out, '--kimg', 'x'], /^stylegpu: world predictor train --kimg 'x': not a positive number; give the training length/],
      [['world', 'predictor', 'train', '--outdir', out, '--batch', '0'], /^stylegpu: world predictor train --batch '0': not a positive integer; give /],
      [['world', 'predictor', 'train', '--outdir', out, '--data', 'world:nope'], /^stylegpu: world predictor train --data world:nope: loadWorld: unknown world 'world:nope'.*; give world:shapes or world:faces/],
      [['world', 'predictor', 'train', '--outdir', out, '--resolution', '24'], /^stylegpu: world predictor train --data world:shapes: .*resolution 24 is not a power of two.*; give /],
      [['world', 'predictor', 'train', '--outdir', out, '--resume', notState], /^stylegpu: world predictor train --resume .*not-state\.safetensors: is not a predictor training state; give the predictor-state\.safetensors of an earlier run$/],
      [['world', 'predictor', 'train', '--outdir', out, '--resume', notState, '--batch', '8'], /^stylegpu: world predictor train --resume .*: the run's batch come from the state file; drop --batch$/],
      [['world', 'predictor', 'eval', '--predictor', join(work, 'missing.safetensors'), '--network', FIXTURES.generator], /^stylegpu: world predictor eval --predictor .*missing\.safetensors: no such file or folder; check the path$/],
      [['world', 'predictor', 'eval', '--predictor', FIXTURES.generator, '--network', FIXTURES.generator], /^stylegpu: world predictor eval --predictor .*g16_nvidia\.pkl: is not a factor predictor file; give the predictor\.safetensors/],
      [['world', 'predictor', 'eval', '--predictor', notState, '--network', FIXTURES.generator, '--n', '1'], /^stylegpu: world predictor eval --n 1: a Fréchet distance needs at least 2 images; /],
      [['world', 'predictor', 'eval', '--predictor', predictorFile, '--network', 'embedded:nope'], /^stylegpu: world predictor eval --network embedded:nope: no such embedded generator; use embedded:shapes32, or give a checkpoint file$/],
      [['world', 'predictor', 'eval', '--predictor', 'embedded:nope', '--network', FIXTURES.generator], /^stylegpu: world predictor eval --predictor embedded:nope: no such embedded predictor; use embedded:shapes32-predictor, or give a predictor\.safetensors file$/],
      [['world', 'predictor', 'eval', '--predictor', 'embedded:shapes32-predictor', '--network', FIXTURES.generator], /^stylegpu: world predictor eval --predictor embedded:shapes32-predictor: .*shapes32-predictor\.safetensors is not in this copy of @stylegpu\/world; train it as its embedded\/README\.md says/],
      [['discover', 'table', '--network', FIXTURES.generator, '--predictor', 'embedded:shapes32-predictor', '--outdir', out], /^stylegpu: discover table --predictor embedded:shapes32-predictor: .*shapes32-predictor\.safetensors is not in this copy of @stylegpu\/world; train it as its embedded\/README\.md says/],
      [['generate', '--network', 'embedded:nope', '--seeds', '0', '--outdir', out], /^stylegpu: generate --network embedded:nope: no such embedded generator; use embedded:shapes32, or give a checkpoint file$/],
      [['generate', '--network', 'embedded:shapes32', '--seeds', '0', '--outdir', out], /^stylegpu: generate --network embedded:shapes32: .*shapes32\.safetensors is not in this copy of @stylegpu\/stylegan; train it as its embedded\/README\.md says/],
    ];
    for (const [args, expected] of cases) {
      const r = stylegpu(args, { env: { ...NO_GPU_ENV, STYLEGPU_EMBEDDED_DIR: emptyDir } });
      expect(r.status, args.join(' ')).toBe(1);
      expect(stderrLines(r), args.join(' ')).toHaveLength(1);
      expect(stderrLines(r)[0], args.join(' ')).toMatch(expected);
    }
    expect(listTree(work)).not.toContain('never');
  });
});

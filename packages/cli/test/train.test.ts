/**
 * `stylegpu train` end to end at toy scale: world:shapes and a PNG folder as data, the run
 * folder's files, a resume, and the refusals of bad flags.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '@stylegpu/io';
import { Generator, parseTrainingState } from '@stylegpu/stylegan';
import { createRuntime } from '@stylegpu/kernels';
import { buildProgram } from '../src/program.js';

const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const tiny = ['--cbase', '128', '--cmax', '16', '--map', '2', '--z-dim', '32', '--w-dim', '32', '--batch', '4', '--mbstd-group', '2', '--grid', '4'];

describe('stylegpu train', () => {
  it('trains on world:shapes, writes NVIDIA-style run files, and resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-train-'));
    await run(['train', '--data', 'world:shapes', '--resolution', '16', '--outdir', out, '--gamma', '0.1', '--kimg', '0.008', '--tick', '0.004', '--snap', '1', ...tiny]);
    const [first] = readdirSync(out);
    expect(first).toBe('00000-world_shapes-16px-gamma0.1-kimg0.008-batch4');
    const files = readdirSync(join(out, first));
    for (const f of ['reals.png', 'fakes_init.png', 'fakes000000.png', 'network-snapshot-000000.safetensors', 'training-state-000000.safetensors', 'stats.jsonl']) expect(files).toContain(f);
    const reals = decodePng(readFileSync(join(out, first, 'reals.png')));
    expect([reals.width, reals.height]).toEqual([4 * 16, 16]);
    // Step 0 is an R1 (Dreg) step: tick 0's stats carry its penalty.
    const tick0 = JSON.parse(readFileSync(join(out, first, 'stats.jsonl'), 'utf8').split('\n')[0]);
    expect(tick0.r1_penalty).toBeGreaterThan(0);
    const states = files.filter((f) => f.startsWith('training-state')).sort();
    const state = parseTrainingState(readFileSync(join(out, first, states.at(-1)!)));
    expect(state.counters).toEqual({ step: 2, nimg: 8, plMean: 0 });
    expect(state.options.batch).toBe(4);
    expect(state.options.gamma).toBe(0.1);
    expect(state.configs.generator.synthesis.channels).toEqual({ 4: 16, 8: 16, 16: 8 });
    const rt = await createRuntime();
    const G = await Generator.load(rt, join(out, first, files.find((f) => f.startsWith('network-snapshot'))!));
    expect(G.config.mapping.numLayers).toBe(2);
    G.dispose();
    rt.destroy();

    await run(['train', '--data', 'world:shapes', '--resolution', '16', '--outdir', out, '--kimg', '0.012', '--resume', join(out, first, states.at(-1)!)]);
    const second = readdirSync(out).sort()[1];
    expect(second).toMatch(/^00001-/);
    const resumed = readdirSync(join(out, second)).filter((f) => f.startsWith('training-state')).sort();
    expect(parseTrainingState(readFileSync(join(out, second, resumed.at(-1)!))).counters.nimg).toBe(12);
  });

  it('trains on a folder of PNGs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-pngs-'));
    const data = join(dir, 'data');
    mkdirSync(data);
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(data, `img${i}.png`), encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(8 * 8 * 3).fill(60 * i) }));
    }
    await run(['train', '--data', data, '--outdir', join(dir, 'runs'), '--gamma', '0', '--kimg', '0.004', '--mirror', '1', ...tiny]);
    const [runDir] = readdirSync(join(dir, 'runs'));
    expect(runDir).toBe('00000-data-8px-gamma0-kimg0.004-batch4');
    expect(readdirSync(join(dir, 'runs', runDir))).toContain('fakes000000.png');
  });

  it('refuses bad flags with messages naming them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-train-bad-'));
    const base = ['train', '--outdir', out, '--data', 'world:shapes', '--resolution', '16'];
    await expect(run(base)).rejects.toThrow(/give --gamma/);
    await expect(run([...base, '--gamma=-1'])).rejects.toThrow(/--gamma '-1' is not a number ≥ 0/);
    await expect(run([...base, '--gamma', '0', '--batch', 'x'])).rejects.toThrow(/--batch 'x' is not an integer ≥ 1/);
    await expect(run([...base, '--gamma', '0', '--batch', '6'])).rejects.toThrow(/batch 6 is not a multiple of the minibatch-std group 4/);
    await expect(run([...base, '--gamma', '0', '--map', '2', '--map-depth', '3'])).rejects.toThrow(/--map 2 and --map-depth 3 disagree/);
    await expect(run([...base, '--gamma', '0', '--cbase', '8'])).rejects.toThrow(/leaves no channels at resolution 16.*--cbase/);
    await expect(run(['train', '--outdir', out, '--data', 'world:nothing', '--gamma', '0'])).rejects.toThrow(/unknown world 'world:nothing'/);
    await expect(run(['train', '--outdir', out, '--data', join(out, 'missing'), '--gamma', '0'])).rejects.toThrow(/PNG folder .*missing: cannot read it/);
    await expect(run(['train', '--outdir', out, '--data', out, '--gamma', '0', '--data-size', '5'])).rejects.toThrow(/--data-size applies to world:\* data only/);
    await expect(run([...base, '--gamma', '0', '--resume', 'x.safetensors', '--batch', '8'])).rejects.toThrow(/--resume continues with the networks and training options stored in x\.safetensors; drop --gamma, --batch/);
    expect(readdirSync(out)).toEqual([]);
  });
});

/**
 * `stylegpu train --overparam`: the overparameterised generator (issue 16) trained with the same recipe as
 * the baseline. Same seed and flags: the channel and spatial runs end with weights other than the baseline's;
 * the run folder, training_options.json and the states record the setting; a resume continues it without the
 * flags and ends bit for bit where an uninterrupted run ends; bad values are one error line each.
 * 16-px world:shapes, 8 channels, two iterations per run.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { type TrainingStateFile, parseTrainingState, trainStyleGan, worldImageSource } from '@stylegpu/stylegan/node';
import { loadWorld } from '@stylegpu/world';
import { buildProgram } from '../src/program.js';

const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const tiny = ['--data', 'world:shapes', '--resolution', '16', '--cbase', '128', '--cmax', '8', '--map', '1', '--z-dim', '8', '--w-dim', '8', '--batch', '4', '--mbstd-group', '2', '--grid', '2', '--tick', '0.004', '--snap', '1'];

/** The run folder `outdir` holds (one) and its last training state. */
function lastState(outdir: string, folder?: string): { folder: string; state: TrainingStateFile } {
  const name = folder ?? readdirSync(outdir).sort().at(-1)!;
  const last = readdirSync(join(outdir, name)).filter((f) => f.startsWith('training-state')).sort().at(-1)!;
  return { folder: name, state: parseTrainingState(readFileSync(join(outdir, name, last))) };
}

function sameTensors(what: string, a: Map<string, HostTensor>, b: Map<string, HostTensor>): boolean {
  expect([...b.keys()], what).toEqual([...a.keys()]);
  for (const [k, t] of a) {
    const p = t.data as Float32Array;
    const q = b.get(k)!.data as Float32Array;
    for (let i = 0; i < p.length; i++) if (!Object.is(p[i], q[i])) return false;
  }
  return true;
}

describe('stylegpu train --overparam', () => {
  it('trains other weights than the baseline from the same seed, and records the setting', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-overparam-'));
    const common = ['train', ...tiny, '--gamma', '0.1', '--kimg', '0.008', '--seed', '7'];
    await run([...common, '--outdir', join(out, 'base'), '--desc', 'baseline']);
    await run([...common, '--outdir', join(out, 'channel'), '--overparam', 'channel', '--overparam-jitter', '0.3']);
    await run([...common, '--outdir', join(out, 'spatial'), '--overparam', 'spatial']);
    const base = lastState(join(out, 'base'));
    const channel = lastState(join(out, 'channel'));
    const spatial = lastState(join(out, 'spatial'));
    expect(base.folder).toBe('00000-world_shapes-16px-gamma0.1-kimg0.008-batch4-baseline');
    expect(channel.folder).toBe('00000-world_shapes-16px-gamma0.1-kimg0.008-batch4-overparam-channel-jitter0.3');
    expect(spatial.folder).toBe('00000-world_shapes-16px-gamma0.1-kimg0.008-batch4-overparam-spatial-jitter0.5');
    const options = (dir: string) => JSON.parse(readFileSync(join(out, dir, readdirSync(join(out, dir))[0], 'training_options.json'), 'utf8')).runOptions;
    expect(options('base')).toEqual({ overparam: null });
    expect(options('channel')).toEqual({ overparam: { mode: 'channel', jitter: 0.3 } });
    expect(options('spatial')).toEqual({ overparam: { mode: 'spatial', jitter: 0.5 } });
    expect(base.state.run.runOptions).toEqual({ overparam: null });
    expect(channel.state.run.runOptions).toEqual({ overparam: { mode: 'channel', jitter: 0.3 } });
    // Without --overparam the command trains what trainStyleGan trains with no hook, bit for bit; with it, G
    // (and so D and G_ema) differ.
    const rt = await createRuntime();
    const plain = await trainStyleGan(rt, {
      source: worldImageSource(loadWorld('world:shapes', { resolution: 16 }), { seed: 7 }),
      outdir: join(out, 'plain'),
      kimg: 0.008,
      tickKimg: 0.004,
      snap: 1,
      network: { channelBase: 128, channelMax: 8, mappingLayers: 1, zDim: 8, wDim: 8, mbstdGroup: 2 },
      training: { batch: 4, gamma: 0.1, seed: 7 },
      gridSeeds: [0, 1],
    });
    rt.destroy();
    const plainState = parseTrainingState(readFileSync(plain.lastState!));
    expect(plainState.counters).toEqual(base.state.counters);
    expect(sameTensors('G', base.state.G, plainState.G)).toBe(true);
    expect(sameTensors('D', base.state.D, plainState.D)).toBe(true);
    expect(sameTensors('G', base.state.G, channel.state.G)).toBe(false);
    expect(sameTensors('G', base.state.G, spatial.state.G)).toBe(false);
    expect(sameTensors('G', channel.state.G, spatial.state.G)).toBe(false);
    expect(sameTensors('G_ema', base.state.Gema, channel.state.Gema)).toBe(false);
    // Same initial weights: only the training differs (the grid before training is the same image).
    const init = (dir: string) => readFileSync(join(out, dir, readdirSync(join(out, dir))[0], 'fakes_init.png'));
    expect(init('channel').equals(init('base'))).toBe(true);
  });

  it('a resumed overparameterised run continues as one and ends bit for bit where an uninterrupted run ends', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-overparam-resume-'));
    // A seed other than the default: it orders the data too, which the resume must reopen as the run began it.
    const flags = [...tiny, '--gamma', '0.1', '--seed', '3', '--overparam', 'channel', '--overparam-jitter', '0.4'];
    await run(['train', ...flags, '--kimg', '0.016', '--outdir', join(out, 'whole')]);
    await run(['train', ...flags, '--kimg', '0.008', '--outdir', join(out, 'parts')]);
    const half = lastState(join(out, 'parts'));
    const halfState = join(out, 'parts', half.folder, readdirSync(join(out, 'parts', half.folder)).filter((f) => f.startsWith('training-state')).sort().at(-1)!);
    await run(['train', ...tiny.slice(0, 4), '--kimg', '0.016', '--tick', '0.004', '--snap', '1', '--grid', '2', '--resume', halfState, '--outdir', join(out, 'parts')]);
    const whole = lastState(join(out, 'whole')).state;
    const resumed = lastState(join(out, 'parts'));
    expect(resumed.folder).toBe('00001-world_shapes-16px-gamma0.1-kimg0.016-batch4-overparam-channel-jitter0.4');
    expect(resumed.state.run.runOptions).toEqual({ overparam: { mode: 'channel', jitter: 0.4 } });
    expect(resumed.state.counters).toEqual(whole.counters);
    expect(sameTensors('G', whole.G, resumed.state.G)).toBe(true);
    expect(sameTensors('D', whole.D, resumed.state.D)).toBe(true);
    expect(sameTensors('G_ema', whole.Gema, resumed.state.Gema)).toBe(true);
    for (const [k, s] of whole.optG.params) {
      const t = resumed.state.optG.params.get(k)!;
      expect(t.step).toBe(s.step);
      expect(sameTensors(`G_opt.${k}`, new Map([['m', s.m], ['v', s.v]]), new Map([['m', t.m], ['v', t.v]]))).toBe(true);
    }
    // The run it resumed was trained for two more iterations: had the resume dropped the overparameterisation,
    // G would differ (the first test shows one iteration pair is enough to tell the two apart).
    expect(sameTensors('G', half.state.G, resumed.state.G)).toBe(false);
  });

  it('refuses bad values with one error line each, before creating anything', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-overparam-bad-'));
    const base = ['train', ...tiny, '--gamma', '0', '--kimg', '0.004', '--outdir', out];
    const line = async (args: string[]) => {
      const e = await run(args).then(
        () => null,
        (err: Error) => err,
      );
      expect(e, args.join(' ')).toBeInstanceOf(Error);
      expect(e!.message).not.toContain('\n');
      return e!.message;
    };
    expect(await line([...base, '--overparam', 'foo'])).toBe("train: --overparam 'foo' is not a mode; give channel or spatial");
    expect(await line([...base, '--overparam', 'channel', '--overparam-jitter', '-1'])).toBe("train: --overparam-jitter '-1' is not a number > 0");
    expect(await line([...base, '--overparam', 'channel', '--overparam-jitter', 'x'])).toBe("train: --overparam-jitter 'x' is not a number > 0");
    expect(await line([...base, '--overparam', 'spatial', '--overparam-jitter', '0'])).toMatch(/^train: --overparam-jitter 0 would train exactly the baseline .*drop --overparam to train the baseline/);
    expect(await line([...base, '--overparam-jitter', '0.5'])).toBe('train: --overparam-jitter applies with --overparam channel|spatial only');
    const resume = ['train', ...tiny.slice(0, 4), '--kimg', '0.004', '--outdir', out, '--resume', 'x.safetensors'];
    expect(await line([...resume, '--overparam', 'channel'])).toBe(
      'train: --resume continues with the networks and training options stored in x.safetensors; drop --overparam',
    );
    expect(await line([...resume, '--overparam', 'spatial', '--overparam-jitter', '1'])).toMatch(/; drop --overparam, --overparam-jitter$/);
    expect(readdirSync(out)).toEqual([]);
  });
});

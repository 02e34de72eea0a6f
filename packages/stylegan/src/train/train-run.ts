/**
 * A whole training run on disk (Node), organised as NVIDIA's `training_loop.py` organises it:
 * iterations grouped into ticks of `tickKimg` thousand images; at the end of every tick a status
 * line and a `stats.jsonl` row; every `snap` ticks (and at the end) a sample grid and snapshots.
 *
 *   <outdir>/<id:05d>-<desc>/                      a new folder per run, numbered as NVIDIA numbers them
 *     training_options.json                         what the run was started with (and `runOptions`)
 *     reals.png, fakes_init.png                     a grid of real images; G_ema's grid before training
 *     fakes<kimg:06d>.png                           G_ema's grid (fixed seeds, const noise)
 *     network-snapshot-<kimg:06d>.safetensors       G_ema + D, a stylegpu checkpoint (`stylegpu generate` reads it)
 *     training-state-<kimg:06d>.safetensors         everything `resume` needs (training-state.ts)
 *     stats.jsonl                                   one JSON line per tick
 *
 * Every file is written atomically (temporary file + rename). Resuming continues the counters,
 * weights, Adam moments and random streams of the state file exactly: N steps, or N/2 + resume +
 * N/2, give the same weights bit for bit.
 *
 * Variants of the recipe that live outside this package (the overparameterised generator of
 * @stylegpu/invert, wired by the CLI) plug in through `prepare`, which gets the trainer once it exists,
 * and record their settings in `runOptions`, which every training state carries so that a resume
 * gets them back without the caller repeating them.
 */
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RasterImage, encodePng, imageGrid, readFileBytes, writeFileAtomic } from '@stylegpu/io';
import type { ImageSource } from './image-source.js';
import { type NetworkOptions, networkConfig } from './network-config.js';
import { sampleGrid, toRasters } from './sample-grid.js';
import { type StepStats, type TrainerExtras, type TrainingOptions, StyleGan2Trainer } from './trainer.js';
import { networkSnapshotBytes, parseTrainingState, trainingStateBytes } from './training-state.js';

export interface TrainRunOptions {
  source: ImageSource;
  /** Parent folder of the run folder. */
  outdir: string;
  /** Train until this many thousand real images have been shown (`--kimg`). */
  kimg: number;
  /** Thousands of images per tick (`--tick`, NVIDIA 4). */
  tickKimg?: number;
  /** Ticks between snapshots and sample grids (`--snap`, NVIDIA 50). */
  snap?: number;
  /** The networks of a new run (resolution and channels come from the source). */
  network?: Omit<NetworkOptions, 'resolution' | 'imgChannels'>;
  training?: Partial<TrainingOptions>;
  /** A training-state file to continue from; its networks and training options are used. */
  resume?: string;
  /** Seeds of the sample grids (default 0…31). */
  gridSeeds?: number[];
  /**
   * Extra words for the run folder's name; a function gets the run options in effect (a resumed run's stored
   * ones), so words that describe them name resumed runs too.
   */
  desc?: string | ((runOptions: RunOptions) => string | undefined);
  extras?: TrainerExtras;
  /**
   * Settings of the run that the trainer itself does not hold (for example which synthesis `prepare` installs),
   * as JSON values: written to training_options.json (`runOptions`) and into every training state's run
   * metadata. A resumed run uses the stored ones (none for states written before they existed); giving one that
   * differs from the stored value is an error.
   */
  runOptions?: RunOptions;
  /**
   * Called once the trainer exists — built new or from `resume` — with the run options in effect, before the run
   * folder is created (so it may refuse bad input) and before the first iteration. It may change the trainer
   * (e.g. route `trainer.G`'s synthesis elsewhere) and return a function that undoes that; the undo is called when
   * the run ends, however it ends, before the trainer is disposed. It is called on every run, so a resumed run is
   * prepared exactly as the run it continues was.
   */
  prepare?: (trainer: StyleGan2Trainer, runOptions: RunOptions) => void | (() => void);
  /** Called after every iteration. */
  onStep?: (p: TrainProgress) => void;
  /** Called with NVIDIA-style status lines and file notes. */
  log?: (line: string) => void;
}

/** Run-level settings kept with a run (`TrainRunOptions.runOptions`): JSON values by name. */
export type RunOptions = Record<string, unknown>;

/** Where a training state keeps the run options, inside its `run` metadata. */
const RUN_OPTIONS_KEY = 'runOptions';

export interface TrainProgress extends StepStats {
  kimg: number;
  totalKimg: number;
  /** Seconds per thousand images over the current tick so far. */
  secPerKimg: number;
  tick: number;
}

export interface TrainRunResult {
  runDir: string;
  steps: number;
  kimg: number;
  /** The last training-state file written. */
  lastState: string | null;
  lastNetwork: string | null;
}

const pad6 = (n: number) => String(n).padStart(6, '0');

/** NVIDIA's run numbering: one more than the largest `NNNNN-` prefix in outdir. */
async function nextRunDir(outdir: string, desc: string): Promise<string> {
  await mkdir(outdir, { recursive: true });
  let id = 0;
  for (const name of await readdir(outdir)) {
    const m = /^(\d+)-/.exec(name);
    if (m) id = Math.max(id, Number(m[1]) + 1);
  }
  const dir = join(outdir, `${String(id).padStart(5, '0')}-${desc}`);
  await mkdir(dir);
  return dir;
}

async function writePng(path: string, image: RasterImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

export async function trainStyleGan(rt: Parameters<typeof StyleGan2Trainer.create>[0], o: TrainRunOptions): Promise<TrainRunResult> {
  const log = o.log ?? (() => {});
  const tickKimg = o.tickKimg ?? 4;
  const snap = o.snap ?? 50;
  if (!(o.kimg > 0) || !Number.isFinite(o.kimg)) throw new Error(`train: --kimg must be a positive number, got ${o.kimg}`);
  if (!(tickKimg > 0)) throw new Error(`train: --tick must be a positive number of kimg, got ${tickKimg}`);
  if (!Number.isInteger(snap) || snap < 1) throw new Error(`train: --snap must be a positive integer (ticks), got ${snap}`);
  const { source } = o;

  // Everything that can fail on bad input happens before the run folder exists.
  let trainer: StyleGan2Trainer;
  let tick = 0;
  let tickStartNimg = 0;
  let runOptions: RunOptions = { ...o.runOptions };
  if (o.resume) {
    const state = parseTrainingState(await readFileBytes(o.resume).catch((e: Error) => {
      throw new Error(`train: cannot read --resume ${o.resume} (${e.message})`);
    }), o.resume);
    const d = state.configs.discriminator;
    if (d.imgResolution !== source.resolution || d.imgChannels !== source.channels) {
      throw new Error(
        `train: ${o.resume} trains ${d.imgResolution}×${d.imgResolution}×${d.imgChannels} images, but ${source.name} gives ` +
          `${source.resolution}×${source.resolution}×${source.channels}`,
      );
    }
    if (state.counters.nimg >= o.kimg * 1000) {
      throw new Error(`train: ${o.resume} has already trained ${state.counters.nimg / 1000} kimg; --kimg ${o.kimg} leaves nothing to do`);
    }
    const stored = state.run[RUN_OPTIONS_KEY];
    runOptions = stored && typeof stored === 'object' && !Array.isArray(stored) ? { ...(stored as RunOptions) } : {};
    for (const [key, given] of Object.entries(o.runOptions ?? {})) {
      const json = (v: unknown) => JSON.stringify(v ?? null);
      if (json(given) !== json(runOptions[key])) {
        throw new Error(`train: ${o.resume} was trained with ${key} ${json(runOptions[key])}, not ${json(given)}; a resumed run keeps the run options it was started with`);
      }
    }
    trainer = StyleGan2Trainer.fromHostState(rt, state, o.extras);
    tick = Number(state.run.tick ?? 0);
    tickStartNimg = Number(state.run.tickStartNimg ?? state.counters.nimg);
  } else {
    const configs = networkConfig({ ...o.network, resolution: source.resolution, imgChannels: source.channels });
    trainer = StyleGan2Trainer.create(rt, configs, o.training, o.extras);
  }

  let undoPrepare: (() => void) | undefined;
  try {
    undoPrepare = o.prepare?.(trainer, runOptions) ?? undefined;
    const opts = trainer.options;
    const R = source.resolution;
    // NVIDIA names runs after the dataset: a folder's own name, not its whole path.
    const dataName = source.name.split(/[\\/]/).filter(Boolean).pop() ?? 'data';
    const desc = [dataName.replace(/[^A-Za-z0-9_.]+/g, '_').replace(/^_+|_+$/g, '') || 'data', `${R}px`, `gamma${opts.gamma}`, `kimg${o.kimg}`, `batch${opts.batch}`, typeof o.desc === 'function' ? o.desc(runOptions) : o.desc]
      .filter(Boolean)
      .join('-');
    const runDir = await nextRunDir(o.outdir, desc);
    log(`train: writing to ${runDir}`);
    await writeFile(
      join(runDir, 'training_options.json'),
      JSON.stringify({ data: source.name, kimg: o.kimg, tickKimg, snap, resume: o.resume ?? null, configs: trainer.configs, training: opts, runOptions }, null, 2),
    );
    const gridSeeds = o.gridSeeds ?? Array.from({ length: 32 }, (_, i) => i);
    const reals = await source.batch(0, Math.min(gridSeeds.length, 32));
    const realCount = reals.length / (source.channels * R * R);
    await writePng(join(runDir, 'reals.png'), imageGrid(toRasters(reals, realCount, source.channels, R), { cols: Math.min(8, realCount) }));
    if (!o.resume) await writePng(join(runDir, 'fakes_init.png'), await sampleGrid(trainer.Gema, { seeds: gridSeeds }));

    let lastState: string | null = null;
    let lastNetwork: string | null = null;
    let tickStartTime = performance.now();
    const sums = { lossG: 0, lossD: 0, r1: 0, r1n: 0, n: 0 };
    const startStep = trainer.counters.step;
    for (;;) {
      const step = trainer.counters.step;
      const pixels = await source.batch(step, opts.batch);
      const realsT = rt.tensor(pixels, [opts.batch, source.channels, R, R]);
      let stats: StepStats;
      try {
        stats = await trainer.step(realsT);
      } catch (e) {
        throw new Error(`${(e as Error).message}${lastState ? `; the last training state is ${lastState}` : ''}`);
      } finally {
        realsT.dispose();
      }
      sums.lossG += stats.lossG;
      sums.lossD += stats.lossD;
      sums.n++;
      if (stats.r1Penalty !== null) {
        sums.r1 += stats.r1Penalty;
        sums.r1n++;
      }
      const nimg = trainer.counters.nimg;
      const elapsed = (performance.now() - tickStartTime) / 1000;
      o.onStep?.({ ...stats, kimg: nimg / 1000, totalKimg: o.kimg, secPerKimg: elapsed / Math.max(nimg - tickStartNimg, 1) * 1000, tick });

      const done = nimg >= o.kimg * 1000;
      if (!done && tick !== 0 && nimg < tickStartNimg + tickKimg * 1000) continue;

      // End of a tick: status line, stats, and every `snap` ticks the grid and snapshots.
      const secPerTick = (performance.now() - tickStartTime) / 1000;
      const secPerKimg = (secPerTick / Math.max(nimg - tickStartNimg, 1)) * 1000;
      const row = {
        tick,
        kimg: nimg / 1000,
        step: trainer.counters.step,
        sec_per_tick: secPerTick,
        sec_per_kimg: secPerKimg,
        images_per_sec: (nimg - tickStartNimg) / Math.max(secPerTick, 1e-9),
        loss_G: sums.lossG / sums.n,
        loss_D: sums.lossD / sums.n,
        r1_penalty: sums.r1n ? sums.r1 / sums.r1n : null,
        timestamp: Date.now() / 1000,
      };
      log(
        `tick ${String(tick).padEnd(5)} kimg ${(nimg / 1000).toFixed(1).padEnd(8)} sec/tick ${secPerTick.toFixed(1).padEnd(7)} ` +
          `sec/kimg ${secPerKimg.toFixed(2).padEnd(7)} loss/G ${row.loss_G.toFixed(3)} loss/D ${row.loss_D.toFixed(3)}` +
          (row.r1_penalty !== null ? ` r1 ${row.r1_penalty.toFixed(4)}` : ''),
      );
      await appendFile(join(runDir, 'stats.jsonl'), `${JSON.stringify(row)}\n`);
      if (done || tick % snap === 0) {
        const k = pad6(Math.floor(nimg / 1000));
        await writePng(join(runDir, `fakes${k}.png`), await sampleGrid(trainer.Gema, { seeds: gridSeeds }));
        const host = await trainer.toHostState();
        // Conv clamps turn NaN activations into their bounds, so a non-finite weight need not show in a loss:
        // check the weights themselves before writing them.
        for (const [net, params] of [['G', host.G], ['D', host.D], ['G_ema', host.Gema]] as const) {
          for (const [name, t] of params) {
            if (!(t.data as Float32Array).every(Number.isFinite)) {
              throw new Error(`training diverged: ${net}.${name} has non-finite values at step ${trainer.counters.step - 1}${lastState ? `; the last training state is ${lastState}` : ''}`);
            }
          }
        }
        lastNetwork = join(runDir, `network-snapshot-${k}.safetensors`);
        await writeFileAtomic(lastNetwork, networkSnapshotBytes(host));
        lastState = join(runDir, `training-state-${k}.safetensors`);
        // The tick counters as they will be after this tick, so a resume continues the same schedule.
        await writeFileAtomic(lastState, trainingStateBytes(host, { tick: tick + 1, tickStartNimg: nimg, data: source.name, [RUN_OPTIONS_KEY]: runOptions }));
        log(`train: wrote ${lastNetwork} and ${lastState}`);
      }
      tick++;
      tickStartNimg = nimg;
      tickStartTime = performance.now();
      Object.assign(sums, { lossG: 0, lossD: 0, r1: 0, r1n: 0, n: 0 });
      if (done) break;
    }
    return { runDir, steps: trainer.counters.step - startStep, kimg: trainer.counters.nimg / 1000, lastState, lastNetwork };
  } finally {
    try {
      undoPrepare?.();
    } finally {
      trainer.dispose();
    }
  }
}

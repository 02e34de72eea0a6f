/**
 * `stylegpu train`: a StyleGAN2 trained from scratch, as NVIDIA's stylegan2-ada-pytorch recipe
 * runs it (non-saturating logistic loss, style mixing 0.9, lazy R1 every 16 iterations, G_ema,
 * Adam (0, 0.99)) at small scale, with the flag names of NVIDIA's `train.py` where they apply
 * (`--outdir --data --gamma --kimg --batch --snap --tick --mirror --cbase --cmax --map-depth
 * --mbstd-group --glr --dlr --seed --resume --desc`; `--map` is the short form of `--map-depth`).
 *
 * `--data` is a procedural world (`world:shapes`, `world:faces`, rendered at `--resolution`) or a
 * folder of square PNG images of one power-of-two size. Not implemented: ADA augmentation,
 * conditional training, path-length regularisation, metrics.
 *
 * `--overparam channel|spatial` trains the overparameterised generator of Poirier-Ginter et al. 2022
 * (issue 16) with the same recipe: `trainAsOverparam` (@stylegpu/invert) routes the trainer's G through
 * the overparameterised synthesis with per-channel (per-pixel) latent noise of std `--overparam-jitter`,
 * installed through `trainStyleGan`'s `prepare` hook and recorded in the run options, so a `--resume`
 * continues it as it was started. G_ema (grids, snapshots) keeps the ordinary synthesis: a snapshot is an
 * ordinary generator, which is what the inversion comparison loads.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createRuntime } from '@stylegpu/kernels';
import { OVERPARAM_MODES, type OverparamMode, trainAsOverparam } from '@stylegpu/invert';
import { DEFAULT_TRAINING_OPTIONS, type ImageSource, type RunOptions, type TrainingOptions, pngFolderSource, readTrainingStateMetadata, trainStyleGan, worldImageSource } from '@stylegpu/stylegan/node';
import { loadWorld } from '@stylegpu/world';

interface TrainFlags {
  outdir: string;
  data: string;
  resolution?: string;
  dataSize?: string;
  gamma?: string;
  kimg: string;
  batch: string;
  snap: string;
  tick: string;
  mirror: string;
  cbase: string;
  cmax: string;
  map?: string;
  mapDepth?: string;
  mbstdGroup: string;
  zDim: string;
  wDim: string;
  glr: string;
  dlr: string;
  emaKimg: string;
  emaRampup?: string;
  styleMixing: string;
  seed: string;
  resume?: string;
  desc?: string;
  grid: string;
  overparam?: string;
  overparamJitter?: string;
}

/** `--overparam-jitter` when not given: the std of the per-channel latent noise, in w units (our choice, see the README). */
export const DEFAULT_OVERPARAM_JITTER = 0.5;

/** How a run trains G, as its run options record it (`overparam: null` is the ordinary StyleGAN2). */
interface OverparamSetting {
  mode: OverparamMode;
  jitter: number;
}

/** Flags that set the networks or the training; a resumed run takes them from its state file. */
const STATE_FLAGS = ['cbase', 'cmax', 'map', 'mapDepth', 'mbstdGroup', 'zDim', 'wDim', 'gamma', 'batch', 'glr', 'dlr', 'emaKimg', 'emaRampup', 'styleMixing', 'seed', 'overparam', 'overparamJitter'];

export function trainCommand(): Command {
  return new Command('train')
    .description('Train a StyleGAN2 from scratch (NVIDIA stylegan2-ada-pytorch recipe, no augmentation) on a procedural world or a folder of PNGs')
    .requiredOption('--outdir <dir>', 'where run folders (NNNNN-<desc>) are created')
    .requiredOption('--data <source>', 'world:shapes, world:faces, or a folder of square PNG images of one power-of-two size')
    .option('--resolution <n>', 'image size for world:* data (default 64); for a folder, checked against its images')
    .option('--data-size <n>', 'world:* only: a finite dataset of n images, reshuffled every epoch (default: endless fresh images)')
    .option('--gamma <x>', 'R1 regularisation weight (0: off); required for a new run')
    .option('--kimg <n>', 'total training length in thousands of real images', '25000')
    .option('--batch <n>', 'images per iteration', '32')
    .option('--snap <ticks>', 'ticks between snapshots and sample grids', '50')
    .option('--tick <kimg>', 'thousands of images per tick (status line, stats.jsonl)', '4')
    .addOption(new Option('--mirror <bool>', 'add x-flipped images').choices(['0', '1', 'false', 'true']).default('0'))
    .option('--cbase <n>', 'channel base: channels at resolution r are min(cbase / r, cmax)', '32768')
    .option('--cmax <n>', 'max channels', '512')
    .option('--map-depth <n>', 'mapping network depth (default 8, StyleGAN2)')
    .option('--map <n>', 'same as --map-depth')
    .option('--mbstd-group <n>', 'minibatch-std group size', '4')
    .option('--z-dim <n>', 'z dimension', '512')
    .option('--w-dim <n>', 'w dimension', '512')
    .option('--glr <x>', 'G learning rate', String(DEFAULT_TRAINING_OPTIONS.glr))
    .option('--dlr <x>', 'D learning rate (Adam runs at dlr·16/17 for lazy R1, as NVIDIA)', String(DEFAULT_TRAINING_OPTIONS.dlr))
    .option('--ema-kimg <x>', 'half-life of G_ema in thousands of images', '10')
    .option('--ema-rampup <x>', 'G_ema ramp-up (NVIDIA 0.05 in some configs; default none)')
    .option('--style-mixing <p>', 'style-mixing probability', '0.9')
    .option('--seed <n>', 'random seed (weights, latents, noise, data order)', '0')
    .option('--resume <file>', 'continue from a training-state-*.safetensors file of an earlier run')
    .option('--desc <text>', 'extra words for the run folder name')
    .option('--grid <n>', 'images in each sample grid (seeds 0…n−1)', '32')
    .option('--overparam <mode>', `train the overparameterised generator (Poirier-Ginter et al. 2022): ${OVERPARAM_MODES.join(' or ')} (default: the ordinary StyleGAN2)`)
    .option('--overparam-jitter <x>', `with --overparam: std of the per-channel (per-pixel) latent noise, > 0 (default ${DEFAULT_OVERPARAM_JITTER})`)
    .action(async (flags: TrainFlags, cmd: Command) => runTrain(flags, cmd));
}

function number(flag: string, text: string | undefined, check: (v: number) => boolean, what: string): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new Error(`train: --${flag} '${text}' is not ${what}`);
  return v;
}
const int = (flag: string, text: string | undefined, min = 1) => number(flag, text, (v) => Number.isInteger(v) && v >= min, min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`);
const positive = (flag: string, text: string | undefined) => number(flag, text, (v) => v > 0, 'a positive number');

export async function runTrain(f: TrainFlags, cmd?: Command): Promise<void> {
  if (f.map !== undefined && f.mapDepth !== undefined && f.map !== f.mapDepth) throw new Error(`train: --map ${f.map} and --map-depth ${f.mapDepth} disagree; give one`);
  if (f.gamma === undefined && !f.resume) throw new Error('train: give --gamma, the R1 weight (0 turns R1 off; NVIDIA uses 0.0002·R²/batch for its auto config)');
  const mirror = f.mirror === '1' || f.mirror === 'true';
  const seed = int('seed', f.seed, 0);
  const training: Partial<TrainingOptions> = {
    batch: int('batch', f.batch),
    gamma: f.gamma === undefined ? 0 : number('gamma', f.gamma, (v) => v >= 0, 'a number ≥ 0'),
    glr: positive('glr', f.glr),
    dlr: positive('dlr', f.dlr),
    emaKimg: number('ema-kimg', f.emaKimg, (v) => v >= 0, 'a number ≥ 0'),
    emaRampup: f.emaRampup === undefined ? null : positive('ema-rampup', f.emaRampup),
    styleMixingProb: number('style-mixing', f.styleMixing, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]'),
    seed,
  };
  const network = {
    channelBase: int('cbase', f.cbase),
    channelMax: int('cmax', f.cmax),
    mappingLayers: int('map-depth', f.mapDepth ?? f.map ?? '8'),
    mbstdGroup: int('mbstd-group', f.mbstdGroup),
    zDim: int('z-dim', f.zDim),
    wDim: int('w-dim', f.wDim),
  };
  const kimg = positive('kimg', f.kimg);
  const snap = int('snap', f.snap);
  const tickKimg = positive('tick', f.tick);
  const gridCount = int('grid', f.grid);
  const overparam = overparamSetting(f);
  if (f.resume && cmd) {
    const set = STATE_FLAGS.filter((k) => cmd.getOptionValueSource(k) === 'cli');
    if (set.length) {
      const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new Error(`train: --resume continues with the networks and training options stored in ${f.resume}; drop ${set.map(flag).join(', ')}`);
    }
  }
  // The seed also orders the data: a resumed run opens its source with the seed it was started with (its
  // --seed is refused above), read from the state's header, so it sees the images the uninterrupted run would.
  const dataSeed = f.resume ? (await readTrainingStateMetadata(f.resume)).options.seed : seed;
  const source = await openSource(f, dataSeed, mirror);

  const rt = await createRuntime();
  const bar = process.stderr.isTTY
    ? new cliProgress.MultiBar(
        { format: 'train [{bar}] {value}/{total} kimg | {spk} s/kimg | G {lossG} D {lossD}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const progress = bar?.create(kimg, 0, { spk: '–', lossG: '–', lossD: '–' });
  const log = (line: string) => (bar ? bar.log(`${line}\n`) : console.log(line));
  try {
    const result = await trainStyleGan(rt, {
      source,
      outdir: f.outdir,
      kimg,
      tickKimg,
      snap,
      network,
      training,
      resume: f.resume,
      // A resumed run takes its run options from the state file (the flags are refused above).
      runOptions: f.resume ? undefined : { overparam },
      prepare: (trainer, run) => {
        const o = storedOverparam(run, f.resume);
        return o ? trainAsOverparam(trainer.G, { mode: o.mode, jitter: o.jitter, seed: trainer.options.seed }) : undefined;
      },
      desc: (run) => {
        const o = storedOverparam(run, f.resume);
        return [o && `overparam-${o.mode}-jitter${o.jitter}`, f.desc].filter(Boolean).join('-') || undefined;
      },
      gridSeeds: Array.from({ length: gridCount }, (_, i) => i),
      log,
      onStep: (p) => progress?.update(Math.round(p.kimg * 1000) / 1000, { spk: p.secPerKimg.toFixed(1), lossG: p.lossG.toFixed(3), lossD: p.lossD.toFixed(3) }),
    });
    bar?.stop();
    console.log(`train: ${result.steps} iterations, ${result.kimg} kimg; last snapshot ${result.lastNetwork} (resume from ${result.lastState})`);
  } finally {
    bar?.stop();
    rt.destroy();
  }
}

/** The flags' overparameterisation (null: the ordinary StyleGAN2); bad values are refused by name. */
function overparamSetting(f: TrainFlags): OverparamSetting | null {
  if (f.overparam === undefined) {
    if (f.overparamJitter !== undefined) throw new Error(`train: --overparam-jitter applies with --overparam ${OVERPARAM_MODES.join('|')} only`);
    return null;
  }
  if (!(OVERPARAM_MODES as readonly string[]).includes(f.overparam)) throw new Error(`train: --overparam '${f.overparam}' is not a mode; give ${OVERPARAM_MODES.join(' or ')}`);
  const jitter = f.overparamJitter === undefined ? DEFAULT_OVERPARAM_JITTER : number('overparam-jitter', f.overparamJitter, (v) => v >= 0, 'a number > 0');
  if (jitter === 0) {
    throw new Error('train: --overparam-jitter 0 would train exactly the baseline (every channel gets its layer\'s w), only slower; drop --overparam to train the baseline, or give a jitter > 0');
  }
  return { mode: f.overparam as OverparamMode, jitter };
}

/** A run's recorded overparameterisation; a state file's record is checked, since it came from disk. */
function storedOverparam(run: RunOptions, from: string | undefined): OverparamSetting | null {
  const o = run.overparam as Partial<OverparamSetting> | null | undefined;
  if (o === undefined || o === null) return null;
  if (!(OVERPARAM_MODES as readonly unknown[]).includes(o.mode) || typeof o.jitter !== 'number' || !(o.jitter > 0) || !Number.isFinite(o.jitter)) {
    throw new Error(`train: ${from ?? 'the run'} records overparam ${JSON.stringify(o)}, which is not a mode (${OVERPARAM_MODES.join(', ')}) with a jitter > 0`);
  }
  return { mode: o.mode as OverparamMode, jitter: o.jitter };
}

async function openSource(f: TrainFlags, seed: number, mirror: boolean): Promise<ImageSource> {
  if (f.data.startsWith('world:')) {
    const resolution = f.resolution === undefined ? 64 : int('resolution', f.resolution);
    const datasetSize = f.dataSize === undefined ? undefined : int('data-size', f.dataSize);
    return worldImageSource(loadWorld(f.data, { resolution }), { seed, datasetSize, mirror });
  }
  if (f.dataSize !== undefined) throw new Error('train: --data-size applies to world:* data only (a folder has its own size)');
  const resolution = f.resolution === undefined ? undefined : int('resolution', f.resolution);
  return pngFolderSource(f.data, { seed, mirror, resolution });
}

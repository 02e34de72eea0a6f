/**
 * The training-state file: everything a resume needs, in one safetensors file.
 *
 *   tensors   G.<name>, D.<name>, G_ema.<name>           the three networks (NVIDIA names)
 *             G_opt.m.<name>, G_opt.v.<name>, D_opt.…     Adam's moments per trained parameter
 *   metadata  format 'stylegpu-stylegan2-training', version, and JSON for the network configs,
 *             the training options, the counters (step, nimg, pl_mean), each parameter's Adam step
 *             count, and whatever the run loop adds (`run`: its tick counters, the data's name and
 *             `runOptions`, the run-level settings a resume gets back — train-run.ts).
 *
 * The random state is the seed (in the options) and the step (in the counters): every draw is a
 * function of the two (step-random.ts). The network snapshot that `stylegpu generate` reads is a
 * separate, ordinary stylegpu checkpoint (`networkSnapshotBytes`).
 */
import { type HostTensor, readSafetensors, writeSafetensors } from '@stylegpu/io';
import { discriminatorShapes, generatorShapes } from '../checkpoint/config.js';
import { defaultResampleFilter } from '../checkpoint/load.js';
import { saveStyleGanCheckpoint } from '../checkpoint/save.js';
import type { NetworkConfigs } from './network-config.js';
import type { OptimizerHostState, TrainerHostState, TrainingCounters, TrainingOptions } from './trainer.js';

export const TRAINING_STATE_FORMAT = 'stylegpu-stylegan2-training';
const VERSION = '1';

export interface TrainingStateFile extends TrainerHostState {
  /** Run-loop bookkeeping stored alongside (e.g. ticks); opaque to the trainer. */
  run: Record<string, unknown>;
}

export function trainingStateBytes(s: TrainerHostState, run: Record<string, unknown> = {}): Uint8Array {
  const tensors = new Map<string, HostTensor>();
  for (const [prefix, params] of [['G', s.G], ['D', s.D], ['G_ema', s.Gema]] as const) {
    for (const [n, t] of params) tensors.set(`${prefix}.${n}`, t);
  }
  const steps: Record<string, Record<string, number>> = { G: {}, D: {} };
  for (const [prefix, opt] of [['G', s.optG], ['D', s.optD]] as const) {
    for (const [n, st] of opt.params) {
      tensors.set(`${prefix}_opt.m.${n}`, st.m);
      tensors.set(`${prefix}_opt.v.${n}`, st.v);
      steps[prefix][n] = st.step;
    }
  }
  return writeSafetensors(tensors, {
    format: TRAINING_STATE_FORMAT,
    version: VERSION,
    configs: JSON.stringify(s.configs),
    options: JSON.stringify(s.options),
    counters: JSON.stringify(s.counters),
    adam_steps: JSON.stringify(steps),
    run: JSON.stringify(run),
  });
}

/** Parses a training-state file; `what` names it in errors (a path, usually). */
export function parseTrainingState(bytes: Uint8Array, what = 'training state'): TrainingStateFile {
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  let file: ReturnType<typeof readSafetensors> | undefined;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    fail(`not a safetensors file (${(e as Error).message})`);
  }
  const { metadata, tensors } = file!;
  const { configs, options, counters, steps, run } = parseMetadata(metadata, fail);

  const G = new Map<string, HostTensor>();
  const D = new Map<string, HostTensor>();
  const Gema = new Map<string, HostTensor>();
  const moments = { G: new Map<string, { m?: HostTensor; v?: HostTensor }>(), D: new Map<string, { m?: HostTensor; v?: HostTensor }>() };
  for (const [key, t] of tensors) {
    const m = /^(G|D)_opt\.(m|v)\.(.+)$/.exec(key);
    if (m) {
      const which = m[1] as 'G' | 'D';
      const entry = moments[which].get(m[3]) ?? {};
      entry[m[2] as 'm' | 'v'] = t;
      moments[which].set(m[3], entry);
    } else if (key.startsWith('G_ema.')) Gema.set(key.slice(6), t);
    else if (key.startsWith('G.')) G.set(key.slice(2), t);
    else if (key.startsWith('D.')) D.set(key.slice(2), t);
    else fail(`unexpected tensor '${key}'`);
  }
  const optimizer = (which: 'G' | 'D'): OptimizerHostState => {
    const params = new Map<string, { step: number; m: HostTensor; v: HostTensor }>();
    for (const [n, { m, v }] of moments[which]) {
      const step = steps[which][n];
      if (!m || !v || !Number.isInteger(step)) fail(`the ${which} optimiser state of '${n}' is incomplete (moments m, v and a step count are all needed)`);
      params.set(n, { step, m: m!, v: v! });
    }
    return { params };
  };
  return {
    configs,
    options,
    counters: { step: counters.step, nimg: counters.nimg, plMean: counters.plMean ?? 0 },
    G,
    D,
    Gema,
    optG: optimizer('G'),
    optD: optimizer('D'),
    run,
  };
}

/** What a training state's metadata holds: everything but the tensors. */
export interface TrainingStateMetadata {
  configs: NetworkConfigs;
  options: TrainingOptions;
  counters: TrainingCounters;
  run: Record<string, unknown>;
}

/**
 * A training state's metadata alone, from a safetensors `__metadata__` map (e.g. read from the file's header
 * without its tensors: `readTrainingStateMetadata` in the Node entry); checked as `parseTrainingState` checks it.
 */
export function parseTrainingStateMetadata(metadata: Record<string, string>, what = 'training state'): TrainingStateMetadata {
  const { configs, options, counters, run } = parseMetadata(metadata, (why: string): never => {
    throw new Error(`${what}: ${why}`);
  });
  return { configs, options, counters: { step: counters.step, nimg: counters.nimg, plMean: counters.plMean ?? 0 }, run };
}

function parseMetadata(metadata: Record<string, string>, fail: (why: string) => never) {
  if (metadata.format !== TRAINING_STATE_FORMAT) {
    fail(
      `not a stylegpu training state (metadata format '${metadata.format ?? '(none)'}', expected '${TRAINING_STATE_FORMAT}'); ` +
        'resume from a training-state-*.safetensors file of a stylegpu training run',
    );
  }
  if (metadata.version !== VERSION) fail(`training-state version '${metadata.version}' is not one this stylegpu reads (${VERSION})`);
  const json = <T>(key: string): T => {
    try {
      return JSON.parse(metadata[key] ?? 'null') as T;
    } catch (e) {
      return fail(`metadata '${key}' is not valid JSON (${(e as Error).message})`);
    }
  };
  const configs = json<NetworkConfigs>('configs');
  const options = json<TrainingOptions>('options');
  const counters = json<TrainingCounters>('counters');
  const steps = json<Record<'G' | 'D', Record<string, number>>>('adam_steps');
  const run = json<Record<string, unknown>>('run') ?? {};
  if (!configs?.generator || !configs?.discriminator) fail('metadata has no network configs');
  if (!options || typeof options.batch !== 'number') fail('metadata has no training options');
  if (!counters || !Number.isInteger(counters.step) || !Number.isInteger(counters.nimg)) fail('metadata has no step/nimg counters');
  if (!steps?.G || !steps?.D) fail('metadata has no Adam step counts');
  return { configs, options, counters, steps, run };
}

/**
 * The network snapshot: G_ema and D as an ordinary stylegpu checkpoint (what `stylegpu generate
 * --network` reads), in state_dict order with the fixed resample filters NVIDIA's files carry.
 */
export function networkSnapshotBytes(s: Pick<TrainerHostState, 'configs' | 'Gema' | 'D'>): Uint8Array {
  const ordered = (shapes: Map<string, number[]>, tensors: Map<string, HostTensor>) => {
    const out = new Map<string, HostTensor>();
    for (const name of shapes.keys()) {
      const t = name.endsWith('resample_filter') ? defaultResampleFilter() : tensors.get(name);
      if (t) out.set(name, t);
    }
    return out;
  };
  return saveStyleGanCheckpoint({
    config: { generator: s.configs.generator, discriminator: s.configs.discriminator, layout: 'stylegpu' },
    generator: ordered(generatorShapes(s.configs.generator), s.Gema),
    discriminator: ordered(discriminatorShapes(s.configs.discriminator), s.D),
  });
}

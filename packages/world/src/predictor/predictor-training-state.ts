/**
 * A factor-predictor training run saved mid-way, to resume exactly: the weights, Adam's moments and
 * step counts, the run's options and how many batches it has taken. One safetensors file:
 * tensors `weight.<name>`, `adam.m.<name>`, `adam.v.<name>`; `__metadata__` { format, version,
 * config (the predictor's, JSON), run (the options, JSON), step, adamSteps (name → count, JSON) }.
 */
import { readSafetensors, writeSafetensors, type HostTensor } from '@stylegpu/io';
import { toHost, type Runtime } from '@stylegpu/kernels';
import { FactorPredictor } from './factor-predictor.js';
import { checkPredictorConfig } from './predictor-config.js';
import { PredictorTrainer } from './predictor-trainer.js';

export const PREDICTOR_STATE_FORMAT = 'stylegpu-world-predictor-training-state';
const VERSION = '1';

/** What a run was started with (a resumed run keeps them). */
export interface PredictorRunOptions {
  data: string;
  resolution: number;
  batch: number;
  seed: number;
  lr: number;
}

export async function savePredictorTrainingState(trainer: PredictorTrainer, run: PredictorRunOptions, step: number): Promise<Uint8Array> {
  const tensors = new Map<string, HostTensor>();
  const adamSteps: Record<string, number> = {};
  for (const [name, p] of trainer.predictor.parameters()) {
    tensors.set(`weight.${name}`, await toHost(p));
    const s = trainer.optimizer.stateOf(p);
    if (s) {
      tensors.set(`adam.m.${name}`, await toHost(s.m));
      tensors.set(`adam.v.${name}`, await toHost(s.v));
      adamSteps[name] = s.step;
    }
  }
  return writeSafetensors(tensors, {
    format: PREDICTOR_STATE_FORMAT,
    version: VERSION,
    config: JSON.stringify(trainer.predictor.config),
    run: JSON.stringify(run),
    step: String(step),
    adamSteps: JSON.stringify(adamSteps),
  });
}

/** The trainer (weights and Adam state restored), the run's options and its step count. */
export function resumePredictorTraining(rt: Runtime, bytes: Uint8Array, source = 'training state'): { trainer: PredictorTrainer; run: PredictorRunOptions; step: number } {
  const where = `resumePredictorTraining (${source})`;
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new Error(`${where}: not a safetensors file (${(e as Error).message})`);
  }
  const { metadata, tensors } = file;
  if (metadata.format !== PREDICTOR_STATE_FORMAT) {
    throw new Error(`${where}: format ${JSON.stringify(metadata.format)} is not '${PREDICTOR_STATE_FORMAT}'; give a predictor-state.safetensors written by a training run`);
  }
  if (metadata.version !== VERSION) throw new Error(`${where}: version ${JSON.stringify(metadata.version)} is not supported (expected ${VERSION})`);
  let config: unknown, run: PredictorRunOptions, adamSteps: Record<string, number>;
  try {
    config = JSON.parse(metadata.config ?? '');
    run = JSON.parse(metadata.run ?? '');
    adamSteps = JSON.parse(metadata.adamSteps ?? '');
  } catch (e) {
    throw new Error(`${where}: the metadata's JSON is damaged (${(e as Error).message})`);
  }
  checkPredictorConfig(config, where);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${where}: step ${JSON.stringify(metadata.step)} is not a non-negative integer`);
  const weights = new Map<string, HostTensor>();
  for (const [name, t] of tensors) if (name.startsWith('weight.')) weights.set(name.slice('weight.'.length), t);
  const predictor = FactorPredictor.fromWeights(rt, config, weights, where);
  const trainer = new PredictorTrainer(predictor, { lr: run.lr });
  for (const [name, p] of predictor.parameters()) {
    const m = tensors.get(`adam.m.${name}`);
    const v = tensors.get(`adam.v.${name}`);
    if (!m || !v || adamSteps[name] === undefined) continue; // no step taken yet
    const [mt, vt] = [rt.tensor(m.data as Float32Array, m.shape), rt.tensor(v.data as Float32Array, v.shape)];
    trainer.optimizer.loadState(p, { step: adamSteps[name], m: mt, v: vt });
    mt.dispose();
    vt.dispose();
  }
  return { trainer, run, step };
}

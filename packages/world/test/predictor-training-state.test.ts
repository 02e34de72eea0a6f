/**
 * A predictor training state round trip: after a few steps, the saved state resumes into a trainer
 * whose weights, Adam moments and step counts equal the original's, so the next step gives the same
 * loss and weights; files of another kind are refused by name.
 */
import { readSafetensors, writeSafetensors } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPredictorConfig, FactorPredictor, PredictorTrainer, resumePredictorTraining, savePredictorTrainingState } from '../src/predictor/index.js';
import { loadWorld } from '../src/index.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe('predictor training state', () => {
  it(`resumes weights, Adam moments and step counts exactly (seed ${SEED})`, async () => {
    const world = loadWorld('world:shapes', { resolution: 16 });
    const run = { data: 'world:shapes', resolution: 16, batch: 4, seed: SEED % 1000, lr: 3e-3 };
    const config = { ...defaultPredictorConfig(world.schema, 16), channels: [8, 8], featureDim: 16 };
    const a = new PredictorTrainer(FactorPredictor.create(rt, config, SEED % 1000), { lr: run.lr });
    const batches = [...world.batches({ batchSize: 4, seed: run.seed, maxBatches: 3 })];
    const step = (t: PredictorTrainer, i: number) => {
      const images = rt.tensor(batches[i].pixels, [4, 3, 16, 16]);
      return t.step(images, batches[i].factors).finally(() => images.dispose());
    };
    await step(a, 0);
    await step(a, 1);
    const bytes = await savePredictorTrainingState(a, run, 2);
    const resumed = resumePredictorTraining(rt, bytes, 'test state');
    expect(resumed.step).toBe(2);
    expect(resumed.run).toEqual(run);
    const b = resumed.trainer;
    for (const [name, p] of a.predictor.parameters()) {
      const q = b.predictor.parameters().get(name)!;
      expect(await q.read(), name).toEqual(await p.read());
      const [sa, sb] = [a.optimizer.stateOf(p)!, b.optimizer.stateOf(q)!];
      expect(sb.step, name).toBe(2);
      expect(await sb.m.read(), `${name} m`).toEqual(await sa.m.read());
      expect(await sb.v.read(), `${name} v`).toEqual(await sa.v.read());
    }
    expect(await step(b, 2)).toBe(await step(a, 2));
    const [wa, wb] = [readSafetensors(await a.predictor.save()), readSafetensors(await b.predictor.save())];
    for (const [name, t] of wa.tensors) expect(wb.tensors.get(name)!.data, name).toEqual(t.data);
    for (const t of [a, b]) {
      t.predictor.dispose();
      t.dispose();
    }
  });

  it('refuses files that are not a training state', () => {
    expect(() => resumePredictorTraining(rt, new Uint8Array([1, 2, 3]), 'x.bin')).toThrow(/resumePredictorTraining \(x\.bin\): not a safetensors file/);
    const other = writeSafetensors(new Map(), { format: 'stylegpu-world-predictor', version: '1' });
    expect(() => resumePredictorTraining(rt, other, 'p.safetensors')).toThrow(
      "resumePredictorTraining (p.safetensors): format \"stylegpu-world-predictor\" is not 'stylegpu-world-predictor-training-state'; give a predictor-state.safetensors written by a training run",
    );
  });
});

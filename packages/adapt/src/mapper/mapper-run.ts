/**
 * The latent mapper stage on disk (Node): load an adapted generator and CLIP models, train the
 * mapper, write its weights (StyleCLIP's `LevelsMapper` state_dict names) and a before/after grid.
 *
 *   <outputDir>/mapper.safetensors     the mapper's parameters
 *   <outputDir>/mapper_samples.png     n_sample images before (top) and after (bottom) the edit
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic, writeSafetensors } from '@stylegpu/io';
import { type Runtime, concat, randomNormal, toHost } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { type NadaClipSpec, loadClips, writeTwoRowGrid } from '../nada/nada-run.js';
import { MapperTrainer, type MapperTrainerOptions } from './mapper-trainer.js';

export interface MapperRunOptions extends MapperTrainerOptions {
  ckpt: string;
  clipModels: NadaClipSpec[];
  clipVocab?: string;
  iterations: number;
  outputDir: string;
  nSample?: number;
  onStep?: (r: { step: number; loss: number }) => void;
}

export async function runMapper(rt: Runtime, o: MapperRunOptions): Promise<{ steps: number; lastLoss: number; weights: string }> {
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new Error(`mapper: --iter must be a positive integer, got ${o.iterations}`);
  const G = await Generator.load(rt, o.ckpt);
  const disposers: Array<() => void> = [() => G.dispose()];
  try {
    const clips = await loadClips(rt, o.clipModels, o.clipVocab, disposers);
    const trainer = new MapperTrainer(rt, G, clips, o);
    disposers.push(() => trainer.dispose());
    await mkdir(o.outputDir, { recursive: true });
    let lastLoss = NaN;
    while (trainer.step < o.iterations) {
      const r = await trainer.trainStep();
      lastLoss = r.loss;
      o.onStep?.(r);
    }
    const tensors = new Map();
    for (const [name, t] of trainer.mapper.params) tensors.set(name, await toHost(t));
    const weights = join(o.outputDir, 'mapper.safetensors');
    await writeFileAtomic(weights, writeSafetensors(tensors, { format: 'stylegpu-latent-mapper', description: o.description, numWs: String(G.numWs) }));
    const z = rt.keep(randomNormal(rt, [o.nSample ?? 4, G.config.zDim], { seed: (o.seed ?? 0) + 1, offset: 0 }));
    disposers.push(() => z.dispose());
    const both = rt.tidy(() => {
      const { source, edited } = trainer.samples(z);
      return concat([source, edited], 0);
    });
    await writeTwoRowGrid(both, join(o.outputDir, 'mapper_samples.png'));
    return { steps: trainer.step, lastLoss, weights };
  } finally {
    for (const d of disposers.reverse()) d();
  }
}

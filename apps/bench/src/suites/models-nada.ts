/**
 * Model suite: one StyleGAN-NADA training step (`NadaTrainer.trainStep` of `@stylegpu/adapt`, after
 * rinongal/StyleGAN-nada train.py): seconds per step and peak pool memory, FFHQ-256 generator shapes
 * (frozen + trainable copies, random NVIDIA-initialised weights as in models-stylegan) guided by
 * CLIP ViT-B/32 (random weights, as in models-clip), text direction "photo" → "sketch", batch 2,
 * default phase (all synthesis layers train), with and without adaptive layer freezing
 * (k = int(2·numWs/3) as the official Colab sets it — 9 of 14 at 256 px — 1 W+ iteration, auto-layer
 * batch 8, the official defaults; and auto-layer batch 2, which fits a lavapipe run).
 *
 * A step: W+ from the frozen mapping, source images (frozen, no gradient), target images (trainable),
 * CLIP encodes of both through preprocessGenerated, the directional loss, backward into the chosen
 * layers, one Adam step, and the loss read back (one scalar; with adaptive selection also the W+
 * readback that picks the layers): the harness awaits `runAsync`. The first (untimed) step is the
 * official step 0 with its extra nudged encode; the timed ones are ordinary steps.
 * Check: the first step's loss is finite. FLOPs are not counted (0).
 *
 * The CLIP text tower has one block instead of twelve: it only encodes the prompts (ImageNet
 * templates × 2 classes) once at construction, outside the timed step — twelve blocks would add
 * minutes of set-up on lavapipe and change nothing that is timed. The image tower is ViT-B/32's.
 */
import type { Runtime } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { BYTE_TO_UNICODE, type ClipConfig, ClipModel, ClipTokenizer } from '@stylegpu/clip';
import { NadaTrainer } from '@stylegpu/adapt';
import { VIT_B_32, randomClipWeights } from './models-clip.js';
import { STYLEGAN_MODELS, type StyleGanModelName, randomGeneratorWeights } from './models-stylegan.js';
import { poolMetrics } from './model-common.js';
import type { BenchCase, CaseInstance, CheckResult, ModelAnchorWork, RuntimeName, Suite } from './types.js';

const SUITE = 'models-nada';

/** ViT-B/32 with a one-block text tower (see above). */
const NADA_CLIP: ClipConfig = { ...VIT_B_32, text: { ...VIT_B_32.text, layers: 1 } };

/**
 * A byte-level tokenizer (no merges) over CLIP's special tokens: prompt ids stay below 520, inside
 * ViT-B/32's 49408-row token embedding. The prompts are encoded once at construction, outside the
 * timed step, so their exact tokens do not matter here.
 */
function byteTokenizer(): ClipTokenizer {
  const vocab: Record<string, number> = {};
  const symbols = Object.values(BYTE_TO_UNICODE) as string[];
  for (const s of symbols) vocab[s] = Object.keys(vocab).length;
  for (const s of symbols) vocab[`${s}</w>`] = Object.keys(vocab).length;
  vocab['<|startoftext|>'] = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = Object.keys(vocab).length;
  return ClipTokenizer.fromHuggingFace(JSON.stringify(vocab), '#version: 0.2\n', 'bench byte tokenizer');
}

export interface NadaCaseOptions {
  model: StyleGanModelName;
  batch: number;
  /** 0: no adaptive layer freezing. */
  autoLayerK: number;
  autoLayerBatch: number;
}

export function nadaCase(o: NadaCaseOptions): BenchCase {
  const adaptive = o.autoLayerK > 0 ? ` auto-layer k${o.autoLayerK} b${o.autoLayerBatch}` : ' all-layers';
  const name = `nada ${o.model} vit-b32 b${o.batch}${adaptive}`;
  return {
    suite: SUITE,
    group: name,
    name,
    params: { model: o.model, clip: 'ViT-B/32', batch: o.batch, autoLayerK: o.autoLayerK, autoLayerIters: o.autoLayerK ? 1 : 0, autoLayerBatch: o.autoLayerK ? o.autoLayerBatch : 0 },
    flops: 0,
    bytes: 0,
    maxRepeats: 1,
    setup: ({ rt }) => setupNada(rt, o),
  };
}

function setupNada(rt: Runtime, o: NadaCaseOptions): CaseInstance {
  const config = STYLEGAN_MODELS[o.model];
  const weights = randomGeneratorWeights(o.model, config);
  const frozen = Generator.fromWeights(rt, config, weights);
  const trainable = Generator.fromWeights(rt, config, weights);
  const clip = ClipModel.fromWeights(rt, NADA_CLIP, randomClipWeights(true, NADA_CLIP));
  let trainer: NadaTrainer | null = null;
  try {
    trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'ViT-B/32', model: clip, tokenizer: byteTokenizer(), weight: 1 }], {
      sourceClass: 'photo',
      targetClass: 'sketch',
      batch: o.batch,
      seed: 2,
      ...(o.autoLayerK ? { autoLayerK: o.autoLayerK, autoLayerIters: 1, autoLayerBatch: o.autoLayerBatch } : {}),
    });
  } catch (err) {
    for (const m of [frozen, trainable, clip]) m.dispose();
    throw err;
  }
  const t = trainer;
  let lastLoss = NaN;
  let peak: Record<string, number> = {};
  return {
    run() {
      throw new Error('models-nada: a NADA step awaits its loss; use runAsync');
    },
    async runAsync() {
      rt.pool.resetPeak();
      lastLoss = (await t.trainStep()).loss;
      peak = poolMetrics(rt);
    },
    async check(): Promise<CheckResult> {
      const ok = Number.isFinite(lastLoss);
      return { ok, maxAbsErr: ok ? 0 : Infinity, tolerance: 0, samples: 1 };
    },
    metrics: () => ({ ...peak, loss: lastLoss, ...(t.lastChoice ? { layersChosen: o.autoLayerK } : {}) }),
    dispose() {
      t.dispose();
      for (const m of [frozen, trainable, clip]) m.dispose();
    },
  };
}

/** The Colab rule for the number of layers adaptive freezing trains. */
export function colabAutoLayerK(numWs: number): number {
  return Math.floor((2 * numWs) / 3);
}

export const nadaSuite: Suite = {
  name: SUITE,
  description: 'One StyleGAN-NADA step (FFHQ-256 generator shapes, CLIP ViT-B/32, batch 2): seconds per step and peak pool memory, with and without adaptive layer freezing.',
  cases(runtime: RuntimeName, quick: boolean) {
    if (runtime === 'browser') return { cases: [], skipped: ['NADA steps are not run in Chromium (SwiftShader: a 256-px step would take tens of minutes)'] };
    if (quick) return { cases: [], skipped: ['NADA steps are left out of --quick (minutes per 256-px step on lavapipe)'] };
    const k = colabAutoLayerK(STYLEGAN_MODELS['ffhq-256'].numWs);
    return {
      cases: [
        nadaCase({ model: 'ffhq-256', batch: 2, autoLayerK: 0, autoLayerBatch: 0 }),
        nadaCase({ model: 'ffhq-256', batch: 2, autoLayerK: k, autoLayerBatch: 8 }),
        // The selection at batch 2 too: what fits a run of minutes on lavapipe (batch 8 is ~4× the selection work).
        nadaCase({ model: 'ffhq-256', batch: 2, autoLayerK: k, autoLayerBatch: 2 }),
      ],
      skipped: [],
    };
  },
  torchAnchors(quick: boolean): ModelAnchorWork[] {
    return nadaSuite.cases('node', quick).cases.map((c) => {
      const config = STYLEGAN_MODELS[c.params.model as StyleGanModelName];
      const { batch, autoLayerK, autoLayerIters, autoLayerBatch } = c.params as Record<string, number>;
      return { suite: SUITE, group: c.group, kind: 'nada', flops: 0, bytes: 0, batch, autoLayerK, autoLayerIters, autoLayerBatch, resolution: config.imgResolution, channels: config.synthesis.channels };
    });
  },
};

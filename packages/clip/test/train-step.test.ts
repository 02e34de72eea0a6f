/**
 * ClipTrainer end to end on a tiny model: every weight of both towers (and the logit scale)
 * receives a gradient that agrees with the loss's directional derivative, a short run on a tiny
 * batch lowers the loss, the logit scale stays clamped, and a trained model saves and loads back
 * through the ordinary checkpoint path with identical features.
 */
import { backward, createRuntime, type Runtime, type Tensor } from '@stylegpu/kernels';
import { SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClipModel,
  ClipTrainer,
  clipContrastiveLoss,
  CLIP_LOGIT_SCALE_MAX,
  readClipCheckpoint,
  saveClipCheckpoint,
  seededRandom,
  WordTokenizer,
  type ClipConfig,
} from '../src/index.js';


const CAPTIONS = [
  'a red circle', 'a blue circle', 'a green square', 'a red square',
  'a blue triangle', 'a green triangle', 'a small red circle', 'a large blue square',
];
const tokenizer = WordTokenizer.fromTexts(CAPTIONS);

function tinyConfig(): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: 16,
    vision: { width: 32, layers: 2, heads: 2, mlpWidth: 128, patchSize: 8, imageSize: 16, ...tower },
    text: { width: 32, layers: 2, heads: 2, mlpWidth: 128, contextLength: 8, vocabSize: tokenizer.vocabularySize, ...tower },
  };
}

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

/** N distinct images [N, 3, 16, 16] of unit-variance noise, fixed by the seed. */
function images(seed: number, N: number): Tensor {
  const r = seededRandom(seed);
  return rt.tensor(Float32Array.from({ length: N * 3 * 16 * 16 }, () => r.normal()), [N, 3, 16, 16]);
}

describe('ClipTrainer', () => {
  it(`gives every weight a gradient matching the loss's directional derivative (seed ${SEED})`, async () => {
    const trainer = ClipTrainer.create(rt, tinyConfig(), { seed: SEED >>> 0 });
    const pixels = images(SEED, 4);
    const tokens = tokenizer.tokenize(CAPTIONS.slice(0, 4), { contextLength: 8 });
    const params = new Map([...trainer.model.parameters(), ['logit_scale', trainer.logLogitScale]]);
    const lossValue = async (): Promise<number> => {
      const l = rt.noGrad(() => rt.tidy(() => clipContrastiveLoss(trainer.model.encodeImage(pixels), trainer.model.encodeText(tokens), trainer.logLogitScale)));
      const v = await l.item();
      l.dispose();
      return v;
    };
    try {
      rt.tidy(() => backward(clipContrastiveLoss(trainer.model.encodeImage(pixels), trainer.model.encodeText(tokens), trainer.logLogitScale)));
      const grads = new Map<string, Float32Array>();
      for (const [name, p] of params) {
        expect(p.grad, `${name} has no gradient`).not.toBeNull();
        const g = (await p.grad!.read()) as Float32Array;
        // Token rows no caption uses, and nothing else, may have zero gradient.
        if (name !== 'token_embedding.weight') expect(g.some((v) => v !== 0), `${name}: gradient all zero`).toBe(true);
        grads.set(name, g);
      }
      // Token rows: those the captions use get gradient; unused ones and padding (id 0, only ever
      // after end-of-text, which the causal mask hides from the end-of-text features) get none.
      const E = grads.get('token_embedding.weight')!;
      const used = new Set(tokens);
      for (let v = 0; v < tokenizer.vocabularySize; v++) {
        const rowNonZero = E.subarray(v * 32, (v + 1) * 32).some((x) => x !== 0);
        expect(rowNonZero, `token row ${v} (used: ${used.has(v)})`).toBe(v !== 0 && used.has(v));
      }
      // Directional derivative along a random direction in a few weights of each kind: central
      // differences of the f32 GPU loss with a step large enough to dwarf its rounding (~1e-7 · loss).
      const r = seededRandom((SEED + 3) >>> 0);
      for (const name of ['visual.conv1.weight', 'visual.class_embedding', 'visual.transformer.resblocks.1.attn.in_proj_weight', 'token_embedding.weight', 'transformer.resblocks.0.ln_1.weight', 'text_projection', 'logit_scale']) {
        const p = params.get(name)!;
        const w0 = (await p.read()) as Float32Array;
        const d = Float32Array.from(w0, () => r.normal());
        const g = grads.get(name)!;
        const analytic = g.reduce((a, gi, i) => a + gi * d[i], 0);
        const h = 1e-2 / Math.sqrt(d.reduce((a, x) => a + x * x, 0));
        const at = async (t: number) => {
          rt.device.queue.writeBuffer(p.buffer, 0, Float32Array.from(w0, (w, i) => w + t * d[i]));
          return lossValue();
        };
        // Richardson extrapolation of central differences at h and h/2 cancels their h² (curvature) term, which
        // reaches a few % for the token embedding on some seeds.
        const central = async (step: number) => ((await at(step)) - (await at(-step))) / (2 * step);
        const coarse = await central(h);
        const numeric = (4 * (await central(h / 2)) - coarse) / 3;
        // The f32 loss's rounding noise, measured: moves 1000× smaller than h change the loss by far less than
        // its rounding, so what remains after the linear part is noise. Along a direction where the derivative
        // is small (attention weights, some seeds) that noise over 2h is a large part of the central difference.
        const base = await at(0);
        let noise = 0;
        for (const t of [1e-3, -1e-3, 2e-3, -2e-3]) noise = Math.max(noise, Math.abs((await at(t * h)) - base - analytic * t * h));
        rt.device.queue.writeBuffer(p.buffer, 0, Float32Array.from(w0));
        // 2% of the derivative for the h⁴ remainder, plus twice the worst rounding the four evaluations can add
        // (each central difference errs by at most 2·noise over its 2·step, and Richardson weighs them 4/3 and 1/3).
        expect(
          Math.abs(numeric - analytic),
          `${name}: directional derivative ${analytic} vs central difference ${numeric}, loss noise ${noise} (seed ${SEED})`,
        ).toBeLessThan(0.02 * Math.abs(analytic) + (6 * noise) / h + 1e-6);
      }
    } finally {
      pixels.dispose();
      trainer.dispose();
    }
  });

  it(`lowers the loss of a tiny batch in a short run and keeps the logit scale clamped (seed ${SEED})`, async () => {
    const liveBefore = rt.liveTensors;
    const trainer = ClipTrainer.create(rt, tinyConfig(), { seed: SEED >>> 0, lr: 2e-3 });
    const pixels = images(SEED + 5, 8);
    const tokens = tokenizer.tokenize(CAPTIONS, { contextLength: 8 });
    try {
      const first = await trainer.evaluate(pixels, tokens);
      // 8 pairs at a random init: about ln 8 (chance).
      expect(first).toBeGreaterThan(0.5 * Math.log(8));
      let last = { loss: first, logitScale: 0 };
      let liveAfterFirst = 0;
      for (let i = 0; i < 40; i++) {
        last = await trainer.step(pixels, tokens);
        if (i === 0) liveAfterFirst = rt.liveTensors; // Adam's moments exist from here on
      }
      expect(rt.liveTensors, 'tensors leaked by training steps').toBe(liveAfterFirst);
      const after = await trainer.evaluate(pixels, tokens);
      expect(after, `loss ${first} → ${after} (seed ${SEED})`).toBeLessThan(0.25 * first);
      expect(last.logitScale).toBeGreaterThan(1);
      expect(Math.log(last.logitScale)).toBeLessThanOrEqual(CLIP_LOGIT_SCALE_MAX + 1e-6);
    } finally {
      pixels.dispose();
      trainer.dispose();
    }
    expect(rt.liveTensors, 'tensors left after dispose').toBe(liveBefore);
  });

  it('clamps the log logit scale to [0, ln 100] after each step', async () => {
    const trainer = ClipTrainer.create(rt, tinyConfig(), { seed: 1, lr: 0 });
    const pixels = images(1, 2);
    const tokens = tokenizer.tokenize(CAPTIONS.slice(0, 2), { contextLength: 8 });
    try {
      for (const [start, expected] of [[7, CLIP_LOGIT_SCALE_MAX], [-3, 0], [2.5, 2.5]] as const) {
        rt.device.queue.writeBuffer(trainer.logLogitScale.buffer, 0, Float32Array.of(start));
        const { logitScale } = await trainer.step(pixels, tokens); // lr 0: only the clamp moves it
        expect(Math.log(logitScale)).toBeCloseTo(expected, 5);
      }
    } finally {
      pixels.dispose();
      trainer.dispose();
    }
  });

  it('saves a trained model that loads back through readClipCheckpoint with identical features', async () => {
    const trainer = ClipTrainer.create(rt, tinyConfig(), { seed: 3, lr: 2e-3 });
    const pixels = images(4, 3);
    const tokens = tokenizer.tokenize(CAPTIONS.slice(0, 3), { contextLength: 8 });
    let loaded: ClipModel | null = null;
    try {
      for (let i = 0; i < 3; i++) await trainer.step(pixels, tokens);
      const saved = saveClipCheckpoint(await trainer.checkpoint());
      const back = readClipCheckpoint(saved);
      expect(back.layout).toBe('stylegpu');
      expect(back.config).toEqual(tinyConfig());
      loaded = ClipModel.fromWeights(rt, back.config, back.weights);
      loaded.checkTokenizer(tokenizer);
      expect(loaded.logitScale).toBeCloseTo(Math.exp(await trainer.logLogitScale.item()), 4);
      const read = async (f: () => Tensor) => {
        const t = rt.noGrad(f);
        const v = await t.read();
        t.dispose();
        return v;
      };
      expect(await read(() => loaded!.encodeImage(pixels))).toEqual(await read(() => trainer.model.encodeImage(pixels)));
      expect(await read(() => loaded!.encodeText(tokens))).toEqual(await read(() => trainer.model.encodeText(tokens)));
    } finally {
      loaded?.dispose();
      pixels.dispose();
      trainer.dispose();
    }
  });

  it('refuses a batch whose captions do not match its images, and use after dispose', async () => {
    const trainer = ClipTrainer.create(rt, tinyConfig(), { seed: 2 });
    const pixels = images(2, 3);
    try {
      await expect(trainer.step(pixels, tokenizer.tokenize(CAPTIONS.slice(0, 2), { contextLength: 8 }))).rejects.toThrow(
        /ClipTrainer.step: 3 images but 2 captions of 8 tokens/,
      );
    } finally {
      pixels.dispose();
      trainer.dispose();
    }
    await expect(trainer.step(pixels, new Int32Array(24))).rejects.toThrow(/the trainer was disposed/);
  });
});

/**
 * The pieces of CLIP training that have a closed form: the symmetric InfoNCE loss against a
 * float64 computation and its gradient (features and log logit scale) against central finite
 * differences of it, zero-shot prediction on a hand case, the word tokenizer's layout and
 * refusals, and the initialisation's shapes and spreads. Inputs are fresh random numbers on every
 * run; the seed is in every failure message (STYLEGPU_TEST_SEED fixes it).
 */
import { backward, createRuntime, type Runtime } from '@stylegpu/kernels';
import { mulberry32, randn, SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classificationAccuracy,
  clipContrastiveLoss,
  clipWeightShapes,
  CLIP_LOGIT_SCALE_INIT,
  ensembleClassFeatures,
  initClipWeights,
  readClipCheckpoint,
  saveClipCheckpoint,
  seededRandom,
  WordTokenizer,
  zeroShotPredict,
  type ClipConfig,
} from '../src/index.js';
import { lossF64 } from './reference/contrastive-loss.js';

const FORWARD_TOLERANCE = 2e-5;
const BACKWARD_TOLERANCE = 2e-4;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe('clipContrastiveLoss', () => {
  // Awkward sizes: N not a power of two, embed not a multiple of 4; a batch of one (loss 0).
  for (const [N, E] of [[5, 7], [3, 16], [1, 6]] as const) {
    it(`matches float64 and finite differences at N=${N}, embed=${E} (seed ${SEED})`, async () => {
      const img = randn(mulberry32(SEED), N * E);
      const txt = randn(mulberry32(SEED + 1), N * E);
      const s = CLIP_LOGIT_SCALE_INIT * (0.3 + 0.7 * seededRandom(SEED + 2).uniform());
      const expected = lossF64(img, txt, s, N, E);
      const [pi, pt, ps] = [rt.parameter(Float32Array.from(img), [N, E]), rt.parameter(Float32Array.from(txt), [N, E]), rt.parameter([s], [])];
      try {
        const loss = rt.tidy(() => {
          const l = clipContrastiveLoss(pi, pt, ps);
          backward(l);
          l.gradFn = null;
          return l;
        });
        const got = await loss.item();
        loss.dispose();
        expect(Math.abs(got - expected) / Math.max(Math.abs(expected), 1), `loss ${got} vs ${expected} (seed ${SEED})`).toBeLessThan(FORWARD_TOLERANCE);

        // Central differences of the float64 loss, for every input element.
        const h = 1e-5;
        const fd = (which: 0 | 1 | 2, i: number): number => {
          const shifted = (d: number) => {
            const a = Float64Array.from(img);
            const b = Float64Array.from(txt);
            let c = s;
            if (which === 0) a[i] += d;
            else if (which === 1) b[i] += d;
            else c += d;
            return lossF64(a, b, c, N, E);
          };
          return (shifted(h) - shifted(-h)) / (2 * h);
        };
        const checks: Array<[string, Float32Array, number[]]> = [
          ['image features', (await pi.grad!.read()) as Float32Array, Array.from({ length: N * E }, (_, i) => fd(0, i))],
          ['text features', (await pt.grad!.read()) as Float32Array, Array.from({ length: N * E }, (_, i) => fd(1, i))],
          ['log logit scale', (await ps.grad!.read()) as Float32Array, [fd(2, 0)]],
        ];
        const scale = Math.max(...checks.flatMap(([, , ref]) => ref.map(Math.abs)), 1e-3);
        for (const [what, gpu, ref] of checks) {
          const err = Math.max(...ref.map((r, i) => Math.abs(gpu[i] - r))) / scale;
          expect(err, `∂loss/∂${what}: relative error ${err.toExponential(2)} (seed ${SEED})`).toBeLessThan(BACKWARD_TOLERANCE);
        }
        if (N === 1) expect(Math.abs(got)).toBeLessThan(1e-6); // one pair: softmax of one logit
      } finally {
        for (const t of [pi, pt, ps]) t.dispose();
      }
    });
  }

  it('refuses features of different widths, unpaired batches and a non-scalar scale', () => {
    const a = rt.tensor(new Float32Array(6), [2, 3]);
    const b = rt.tensor(new Float32Array(8), [2, 4]);
    const c = rt.tensor(new Float32Array(9), [3, 3]);
    const s = rt.tensor([1], []);
    const s2 = rt.tensor([1, 2], [2]);
    expect(() => clipContrastiveLoss(a, b, s)).toThrow(/clipContrastiveLoss: expected f32 features \[N, embed\] of one width .*image f32 \[2, 3\], text f32 \[2, 4\]/);
    expect(() => clipContrastiveLoss(a, c, s)).toThrow(/row i of the images must match row i of the texts/);
    expect(() => clipContrastiveLoss(a, a, s2)).toThrow(/log logit scale must be one f32 value/);
    for (const t of [a, b, c, s, s2]) t.dispose();
  });
});

describe('zero-shot prediction', () => {
  it('assigns each image the class of highest cosine, on a hand case', () => {
    // Classes along x, y and the diagonal; the image rows are scaled so that only the direction counts.
    const classes = [1, 0, 0, 1, 1, 1];
    const images = [10, 0.5, /* x */ 0.1, -3, /* y (negative: cos −0.99 with y, but −0.03 with x, −0.69 diag) */ 2, 2.2, /* diagonal */ -1, -0.01 /* none positive: x is least negative */];
    const predictions = zeroShotPredict(images, classes, 2);
    // Row 1: cos with x = 0.1/3.0017 = 0.033, with y = −0.999, with diag = −0.683 → x.
    expect(Array.from(predictions)).toEqual([0, 0, 2, 1]);
    expect(classificationAccuracy(predictions, [0, 1, 2, 1])).toBe(0.75);
    expect(classificationAccuracy([2, 2], [0, 1])).toBe(0);
  });

  it('ensembles prompts as the mean of their unit-length features', () => {
    // Class 0: (3, 0) and (0, 1) → (½, ½); class 1: (0, −2) and (0, −5) → (0, −1).
    expect(Array.from(ensembleClassFeatures([3, 0, 0, 1, 0, -2, 0, -5], 2, 2))).toEqual([0.5, 0.5, 0, -1]);
    expect(() => ensembleClassFeatures([1, 0, 0, 1, 1, 1], 2, 2)).toThrow(/6 values are not K classes × 2 prompts × 2 features/);
  });

  it('refuses ragged features, zero rows and mismatched labels', () => {
    expect(() => zeroShotPredict([1, 2, 3], [1, 0], 2)).toThrow(/3 image feature values do not make rows of 2/);
    expect(() => zeroShotPredict([0, 0], [1, 0], 2)).toThrow(/feature row 0 has norm 0/);
    expect(() => classificationAccuracy([1, 2], [1])).toThrow(/2 predictions for 1 labels/);
  });
});

describe('WordTokenizer', () => {
  const tok = WordTokenizer.fromTexts(['A small red circle.', 'a large blue square on a green background']);

  it('lays rows out as [sot, words…, eot, 0…] with end-of-text the largest id', () => {
    expect(tok.words).toEqual(['a', 'background', 'blue', 'circle', 'green', 'large', 'on', 'red', 'small', 'square']);
    expect(tok.vocabularySize).toBe(13);
    expect(tok.startOfTextId).toBe(11);
    expect(tok.endOfTextId).toBe(12);
    const ids = tok.tokenize(['a red circle', 'Square!'], { contextLength: 6 });
    expect(Array.from(ids)).toEqual([11, 1, 8, 4, 12, 0, 11, 10, 12, 0, 0, 0]);
    expect(WordTokenizer.fromJSON(JSON.parse(JSON.stringify(tok))).tokenize('a red circle', { contextLength: 6 })).toEqual(ids.slice(0, 6));
  });

  it('refuses unknown words, over-long texts and bad vocabularies, saying which', () => {
    expect(() => tok.tokenize(['a red circle', 'a purple circle'], { contextLength: 8 })).toThrow(/the word 'purple' in text 1 \("a purple circle"\) is not in the vocabulary of 10 words/);
    expect(() => tok.tokenize('a small red circle on a', { contextLength: 7 })).toThrow(/text 0 has 6 words, more than the context length 7 holds/);
    expect(() => new WordTokenizer(['red', 'red'])).toThrow(/'red' is listed twice/);
    expect(() => new WordTokenizer(['Red'])).toThrow(/not a lower-case word/);
    expect(() => WordTokenizer.fromJSON({ words: ['a'] })).toThrow(/not a word vocabulary/);
  });
});

describe('initClipWeights', () => {
  const config: ClipConfig = {
    embedDim: 24,
    vision: { width: 64, layers: 2, heads: 4, mlpWidth: 256, patchSize: 8, imageSize: 32, activation: 'quick_gelu', layerNormEps: 1e-5 },
    text: { width: 48, layers: 3, heads: 2, mlpWidth: 192, contextLength: 16, vocabSize: 40, activation: 'quick_gelu', layerNormEps: 1e-5 },
  };

  it('makes every OpenAI-named weight with the spreads of OpenAI’s initialisation, fixed by the seed', () => {
    const w = initClipWeights(config, SEED >>> 0);
    const shapes = clipWeightShapes(config);
    expect([...w.keys()]).toEqual([...shapes.keys()]);
    for (const [name, shape] of shapes) expect(w.get(name)!.shape, name).toEqual(shape);
    const stats = (name: string) => {
      const d = w.get(name)!.data as Float32Array;
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
      return { mean, std, max: Math.max(...d.map(Math.abs)), n: d.length };
    };
    // Expected standard deviations; uniform U(±b) has std b/√3. Sample stds of n ≥ 1000 values sit within ~10%.
    const tw = 48;
    const expectedStd: Record<string, number> = {
      'token_embedding.weight': 0.02,
      'text_projection': tw ** -0.5,
      'transformer.resblocks.1.attn.in_proj_weight': tw ** -0.5,
      'transformer.resblocks.1.attn.out_proj.weight': tw ** -0.5 * 6 ** -0.5,
      'transformer.resblocks.1.mlp.c_fc.weight': (2 * tw) ** -0.5,
      'transformer.resblocks.2.mlp.c_proj.weight': tw ** -0.5 * 6 ** -0.5,
      'visual.positional_embedding': 64 ** -0.5,
      'visual.proj': 64 ** -0.5,
      'visual.conv1.weight': 1 / Math.sqrt(192) / Math.sqrt(3),
      'visual.transformer.resblocks.0.attn.in_proj_weight': Math.sqrt(6 / 256) / Math.sqrt(3),
      'visual.transformer.resblocks.1.mlp.c_proj.weight': 1 / 16 / Math.sqrt(3),
    };
    for (const [name, std] of Object.entries(expectedStd)) {
      const s = stats(name);
      expect(s.n, name).toBeGreaterThanOrEqual(1000);
      expect(Math.abs(s.std / std - 1), `${name}: std ${s.std} vs ${std} (seed ${SEED})`).toBeLessThan(0.1);
      expect(Math.abs(s.mean), name).toBeLessThan((4 * std) / Math.sqrt(s.n));
    }
    expect(stats('visual.conv1.weight').max).toBeLessThanOrEqual(1 / Math.sqrt(192));
    expect(stats('transformer.resblocks.0.mlp.c_proj.bias').max).toBeLessThanOrEqual(1 / Math.sqrt(192)); // text mlp 192
    for (const name of ['ln_final.weight', 'visual.ln_pre.weight', 'transformer.resblocks.0.ln_2.weight']) expect(stats(name)).toMatchObject({ mean: 1, std: 0 });
    for (const name of ['ln_final.bias', 'transformer.resblocks.0.attn.in_proj_bias', 'visual.transformer.resblocks.1.attn.out_proj.bias']) {
      expect(stats(name).max, name).toBe(0);
    }
    expect((w.get('logit_scale')!.data as Float32Array)[0]).toBeCloseTo(Math.log(1 / 0.07), 6);
    // Same seed, same model; another seed, another model.
    expect(initClipWeights(config, SEED >>> 0).get('visual.proj')!.data).toEqual(w.get('visual.proj')!.data);
    expect(initClipWeights(config, (SEED + 1) >>> 0).get('visual.proj')!.data).not.toEqual(w.get('visual.proj')!.data);
  });

  it('saves as a stylegpu checkpoint the loader reads back with its config', () => {
    const w = initClipWeights(config, 7);
    const back = readClipCheckpoint(saveClipCheckpoint({ config, weights: w }));
    expect(back.config).toEqual(config);
    expect(back.weights.get('transformer.resblocks.2.mlp.c_fc.weight')!.data).toEqual(w.get('transformer.resblocks.2.mlp.c_fc.weight')!.data);
  });

  it('refuses a bad config and a bad seed', () => {
    expect(() => initClipWeights({ ...config, vision: { ...config.vision, heads: 5 } }, 0)).toThrow(/initClipWeights.*vision.width 64 is not divisible by heads 5/);
    expect(() => initClipWeights(config, -1)).toThrow(/seed must be an integer in \[0, 2\^32\)/);
  });
});

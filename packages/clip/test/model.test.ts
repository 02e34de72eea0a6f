/**
 * GPU parity of ClipModel and preprocessGenerated with the float64 PyTorch reference outputs in the
 * fixtures (fixtures/README.md): image and text features, logits, NADA's preprocessing, and the
 * gradient of the cosine loss w.r.t. the generator images. Tolerances are the repository's
 * (2e-5 forward, 2e-4 backward, relative to the expected tensor's max magnitude), plus a cosine
 * ≥ 0.99999 per row of features.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, toFloat32, type HostTensor } from '@stylegpu/io';
import {
  addScalar,
  backward,
  cosineSimilarity,
  createRuntime,
  fromHost,
  mean,
  neg,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';
import { relError } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClipCheckpoint } from '../src/checkpoint/node.js';
import { ClipModel, loadClip, loadTokenizer, preprocessGenerated, preprocessImage, type ClipConfig } from '../src/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../fixtures');
const FORWARD_TOLERANCE = 2e-5;
const BACKWARD_TOLERANCE = 2e-4;

interface Expected {
  images: HostTensor;
  pixels: HostTensor;
  imageFeatures: Float32Array;
  tokens: Int32Array;
  textFeatures: Float32Array;
  logits: Float32Array;
  target: HostTensor;
  loss: number;
  gradImages: Float32Array;
}

function readExpected(dir: string): Expected {
  const t = readSafetensors(new Uint8Array(readFileSync(path.join(fixtures, dir, 'expected.safetensors')))).tensors;
  const get = (name: string) => {
    const v = t.get(name);
    if (!v) throw new Error(`fixture ${dir}: no '${name}'`);
    return v;
  };
  return {
    images: get('images'),
    pixels: get('pixels'),
    imageFeatures: toFloat32(get('image_features')),
    tokens: Int32Array.from(get('tokens').data as Int32Array),
    textFeatures: toFloat32(get('text_features')),
    logits: toFloat32(get('logits_per_image')),
    target: get('target'),
    loss: toFloat32(get('loss'))[0],
    gradImages: toFloat32(get('grad_images')),
  };
}

/** The smallest cosine between corresponding rows of length `dim`. */
function minRowCosine(actual: ArrayLike<number>, expected: ArrayLike<number>, dim: number): number {
  let worst = 1;
  for (let r = 0; r < expected.length / dim; r++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      ab += actual[i] * expected[i];
      aa += actual[i] ** 2;
      bb += expected[i] ** 2;
    }
    worst = Math.min(worst, ab / Math.sqrt(aa * bb));
  }
  return worst;
}

function expectClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, rowDim?: number): void {
  const err = relError(actual, expected);
  if (process.env.CLIP_PARITY_LOG) console.log(`${label}: ${err.toExponential(2)}${rowDim ? ` cos ${(1 - minRowCosine(actual, expected, rowDim)).toExponential(1)} from 1` : ''}`);
  expect(err, `${label}: relative error ${err.toExponential(2)}`).toBeLessThan(tolerance);
  if (rowDim) expect(minRowCosine(actual, expected, rowDim), `${label}: cosine`).toBeGreaterThanOrEqual(0.99999);
}

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

/** Features, logits on the GPU for one loaded checkpoint, compared with the fixture. */
async function checkParity(label: string, model: ClipModel, e: Expected): Promise<void> {
  const E = model.config.embedDim;
  const [imageFeatures, textFeatures, textFromTensor, logits] = rt.tidy(() => {
    const img = model.encodeImage(fromHost(rt, e.pixels));
    const txt = model.encodeText(e.tokens);
    const txtGpu = model.encodeText(rt.tensor(e.tokens, [e.tokens.length / 77, 77], 'i32'));
    return [img, txt, txtGpu, model.logits(img, txt)].map((t) => rt.keep(t));
  });
  const read = async (t: Tensor) => {
    const data = (await t.read()) as Float32Array;
    t.dispose();
    return data;
  };
  expect(imageFeatures.shape).toEqual([2, E]);
  expect(textFeatures.shape).toEqual([3, E]);
  expect(logits.shape).toEqual([2, 3]);
  expectClose(`${label} image features`, await read(imageFeatures), e.imageFeatures, FORWARD_TOLERANCE, E);
  expectClose(`${label} text features`, await read(textFeatures), e.textFeatures, FORWARD_TOLERANCE, E);
  expectClose(`${label} text features (i32 tensor tokens)`, await read(textFromTensor), e.textFeatures, FORWARD_TOLERANCE, E);
  expectClose(`${label} logits`, await read(logits), e.logits, FORWARD_TOLERANCE);
}

const layouts: Array<[fixture: string, label: string, source: string, heads?: { visionHeads: number; textHeads: number }]> = [
  ['clip-tiny-a', 'OpenAI TorchScript', 'openai.pt', { visionHeads: 5, textHeads: 4 }],
  ['clip-tiny-a', 'HF folder (safetensors f32)', 'hf'],
  ['clip-tiny-a', 'HF pytorch_model.bin (f16)', 'hf/pytorch_model.bin'],
  ['clip-tiny-b', 'HF folder (safetensors f16)', 'hf'],
];

describe('ClipModel matches the float64 reference', () => {
  for (const [fixture, label, source, heads] of layouts) {
    it(`${fixture}, ${label}: image and text features, logits`, async () => {
      const e = readExpected(fixture);
      const { model } = await loadClip(rt, path.join(fixtures, fixture, source), heads);
      try {
        await checkParity(`${fixture} ${label}`, model, e);
        // Again: the first call made the model's small cached helpers; a second leaves nothing behind.
        const live = rt.liveTensors;
        await checkParity(`${fixture} ${label} (second call)`, model, e);
        expect(rt.liveTensors, 'encode calls leave no temporaries').toBe(live);
      } finally {
        model.dispose();
      }
    });
  }

  it('with every kernel variant (matmul regblock/tiled, attention fused/composed, layerNorm thread/workgroup)', async () => {
    const e = readExpected('clip-tiny-a');
    const { model } = await loadClip(rt, path.join(fixtures, 'clip-tiny-a', 'hf'));
    const settings: Array<Record<string, string>> = [
      { matmul: 'regblock', attention: 'composed', layerNorm: 'workgroup', softmax: 'workgroup' },
      { matmul: 'tiled', attention: 'fused', layerNorm: 'thread', softmax: 'thread' },
      { matmul: 'tiled', attention: 'composed', layerNorm: 'workgroup' },
    ];
    try {
      for (const variants of settings) {
        rt.variants = variants;
        await checkParity(`variants ${JSON.stringify(variants)}`, model, e);
      }
    } finally {
      rt.variants = {};
      model.dispose();
    }
  });
});

describe('preprocessGenerated and the pixel gradient', () => {
  for (const fixture of ['clip-tiny-a', 'clip-tiny-b']) {
    it(`${fixture}: NADA's preprocessing, then d(cosine loss)/d(images) through it and the image tower`, async () => {
      const e = readExpected(fixture);
      const { model, config } = await loadClip(rt, path.join(fixtures, fixture, 'hf'));
      const images = rt.keep(fromHost(rt, e.images));
      images.requiresGrad = true;
      try {
        const [pixels, loss] = rt.tidy(() => {
          const px = preprocessGenerated(images, { size: config.vision.imageSize });
          const features = model.encodeImage(px);
          const target = fromHost(rt, { ...e.target, shape: [1, config.embedDim] });
          const l = mean(addScalar(neg(cosineSimilarity(features, target)), 1));
          backward(l);
          return [rt.keep(px), rt.keep(l)];
        });
        expect(pixels.shape).toEqual(e.pixels.shape);
        expectClose(`${fixture} pixels`, (await pixels.read()) as Float32Array, toFloat32(e.pixels), FORWARD_TOLERANCE);
        expect(Math.abs((await loss.item()) - e.loss) / Math.abs(e.loss)).toBeLessThan(FORWARD_TOLERANCE);
        expect(images.grad, 'images receive a gradient').not.toBeNull();
        expectClose(`${fixture} grad_images`, (await images.grad!.read()) as Float32Array, e.gradImages, BACKWARD_TOLERANCE);
        // The frozen weights got none.
        for (const [name, w] of model.parameters()) expect(w.grad, name).toBeNull();
        pixels.dispose();
        loss.dispose();
      } finally {
        images.dispose();
        model.dispose();
      }
    });
  }
});

describe('preprocessImage', () => {
  it('resizes the shorter side, centre-crops and normalises (antialiased bicubic); a square input at size is only normalised', async () => {
    const [out, same] = rt.tidy(() => {
      const data = Float32Array.from({ length: 2 * 3 * 30 * 45 }, (_, i) => (i % 7) / 6);
      const wide = rt.tensor(data, [2, 3, 30, 45]);
      const square = rt.tensor(data.subarray(0, 3 * 20 * 20), [1, 3, 20, 20]);
      return [rt.keep(preprocessImage(wide, { size: 20 })), rt.keep(preprocessImage(square, { size: 20 }))];
    });
    expect(out.shape).toEqual([2, 3, 20, 20]);
    const squareValues = (await same.read()) as Float32Array;
    const mean = [0.48145466, 0.4578275, 0.40821073];
    const std = [0.26862954, 0.26130258, 0.27577711];
    for (let i = 0; i < squareValues.length; i++) {
      const c = Math.floor(i / 400);
      expect(squareValues[i]).toBeCloseTo(((i % 7) / 6 - mean[c]) / std[c], 5);
    }
    out.dispose();
    same.dispose();
  });
});

describe('bad input throws a clear Error before any work', () => {
  let model: ClipModel;
  let config: ClipConfig;
  beforeAll(async () => {
    ({ model, config } = await loadClip(rt, path.join(fixtures, 'clip-tiny-a', 'hf')));
  });
  afterAll(() => model?.dispose());

  const expectThrowNoWork = (fn: () => unknown, message: RegExp) => {
    const live = rt.liveTensors;
    rt.tidy(() => {
      expect(fn).toThrow(message);
    });
    expect(rt.liveTensors).toBe(live);
  };

  it('images of the wrong channel count, size, rank or dtype', () => {
    const t = (shape: number[], dtype: 'f32' | 'i32' = 'f32') => rt.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, dtype);
    expectThrowNoWork(() => model.encodeImage(t([2, 4, 32, 32])), /encodeImage: pixels f32 \[2, 4, 32, 32\]: 4 channels, expected 3/);
    expectThrowNoWork(() => model.encodeImage(t([1, 1, 32, 32])), /encodeImage.*1 channels, expected 3/);
    expectThrowNoWork(() => model.encodeImage(t([2, 3, 40, 40])), /encodeImage: pixels f32 \[2, 3, 40, 40\]: expected f32 \[N, 3, 32, 32\]/);
    expectThrowNoWork(() => model.encodeImage(t([3, 32, 32])), /encodeImage: pixels f32 \[3, 32, 32\]/);
    expectThrowNoWork(() => model.encodeImage(t([2, 3, 32, 32], 'i32')), /encodeImage: pixels i32/);
    expectThrowNoWork(() => preprocessGenerated(t([2, 4, 40, 40]), { size: 32 }), /preprocessGenerated: images f32 \[2, 4, 40, 40\]: 4 channels/);
    expectThrowNoWork(() => preprocessImage(t([2, 3, 40, 40]), { size: 0 }), /preprocessImage: size must be a positive integer, got 0/);
    expectThrowNoWork(() => preprocessImage(t([2, 3, 40]), { size: 32 }), /preprocessImage: images f32 \[2, 3, 40\]/);
  });

  it('token arrays and tensors of the wrong shape, ids outside the vocabulary', () => {
    expectThrowNoWork(() => model.encodeText(new Int32Array(76)), /encodeText: 76 token ids do not make rows of the context length 77/);
    expectThrowNoWork(() => model.encodeText(new Int32Array(0)), /encodeText: 0 token ids/);
    expectThrowNoWork(() => model.encodeText(rt.tensor(new Int32Array(2 * 76), [2, 76], 'i32')), /encodeText: tokens i32 \[2, 76\]: expected i32 \[N, 77\]/);
    expectThrowNoWork(() => model.encodeText(rt.tensor(new Float32Array(77), [1, 77])), /encodeText: tokens f32 \[1, 77\]/);
    expectThrowNoWork(() => model.encodeText(rt.tensor(new Int32Array(77), [77], 'i32')), /encodeText: tokens i32 \[77\]/);
    const ids = new Int32Array(77);
    ids[0] = 49406;
    expectThrowNoWork(() => model.encodeText(ids), /token id 49406 at \[0, 0\] is outside the model's vocabulary of 814/);
  });

  it('a tokenizer whose vocabulary does not match the model', async () => {
    const tiny = await loadTokenizer(path.join(fixtures, 'hf-tiny'));
    expect(() => model.checkTokenizer(tiny)).not.toThrow();
    expect(() => model.checkTokenizer({ vocabularySize: 49408 })).toThrow(/tokenizer has a vocabulary of 49408 tokens but the model's token embedding has 814 rows/);
    // OpenAI's full vocabulary tokenises ordinary text to ids far beyond the tiny model's 814 rows.
    const openaiLike = new Int32Array(77);
    openaiLike.set([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(() => model.encodeText(openaiLike)).toThrow(/outside the model's vocabulary of 814/);
  });

  it('logits of features with the wrong width; a missing weight; a disposed model', async () => {
    const E = config.embedDim;
    expectThrowNoWork(() => model.logits(rt.tensor(new Float32Array(2 * E), [2, E]), rt.tensor(new Float32Array(3 * (E + 1)), [3, E + 1])), new RegExp(`logits: text features f32 \\[3, ${E + 1}\\]: expected f32 \\[N, ${E}\\]`));
    const { weights } = await loadClipCheckpoint(path.join(fixtures, 'clip-tiny-a', 'hf'));
    weights.delete('visual.ln_post.bias');
    const live = rt.liveTensors;
    expect(() => ClipModel.fromWeights(rt, config, weights)).toThrow(/ClipModel.fromWeights.*missing 1 key\(s\): 'visual.ln_post.bias'/);
    expect(rt.liveTensors).toBe(live);
    const other = await loadClip(rt, path.join(fixtures, 'clip-tiny-b', 'hf'));
    other.model.dispose();
    expect(() => other.model.encodeText(new Int32Array(77))).toThrow(/ClipModel.encodeText: the model was disposed/);
  });
});

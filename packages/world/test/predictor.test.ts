/**
 * FactorPredictor on the GPU: the forward (features and outputs) against a float64 CPU reference
 * on random weights and images at awkward channel counts, the factor loss and its gradient against
 * float64 and central finite differences, a short training run on synthetic images whose factors
 * are visible lowers the loss, save/load round trip, and clear Errors for bad input. Fresh random
 * inputs every run; the seed is in every failure message (STYLEGPU_TEST_SEED fixes it).
 */
import { readSafetensors, writeSafetensors, type HostTensor } from '@stylegpu/io';
import { backward, createRuntime, filterTensor, setupFilter, type Runtime, type Tensor } from '@stylegpu/kernels';
import { relError, SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeOutputs,
  defaultPredictorConfig,
  encodeTargets,
  FactorPredictor,
  factorLoss,
  headLayout,
  PredictorTrainer,
  predictorWeightShapes,
  scoreFactors,
  type PredictorConfig,
} from '../src/predictor/index.js';
import { loadWorld } from '../src/index.js';
import { Rng } from '../src/random.js';
import { categorical, continuous, type FactorSchema } from '../src/schema.js';

const FORWARD_TOLERANCE = 2e-5;
const BACKWARD_TOLERANCE = 2e-4;

const SCHEMA: FactorSchema = [
  continuous('level', 'brightness of the red channel'),
  continuous('hue', 'an angle', { circular: true }),
  categorical('pattern', ['plain', 'rows', 'columns'], 'stripes added to the red channel'),
];

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

const normal = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());

// ------------------------------------------------------------------ float64 reference

const lrelu = (v: number) => (v > 0 ? v : 0.2 * v) * Math.SQRT2;

function referenceForward(config: PredictorConfig, w: Map<string, HostTensor>, images: Float64Array, N: number): { features: Float64Array; outputs: Float64Array } {
  const get = (k: string) => w.get(k)!.data as Float32Array;
  let C = 3;
  let R = config.resolution;
  let x = images;
  config.channels.forEach((Co, s) => {
    const W = get(`stages.${s}.conv.weight`);
    const b = get(`stages.${s}.conv.bias`);
    const y = new Float64Array(N * Co * R * R);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < Co; o++)
        for (let i = 0; i < R; i++)
          for (let j = 0; j < R; j++) {
            let acc = b[o];
            for (let c = 0; c < C; c++)
              for (let di = 0; di < 3; di++)
                for (let dj = 0; dj < 3; dj++) {
                  const ii = i + di - 1;
                  const jj = j + dj - 1;
                  if (ii < 0 || jj < 0 || ii >= R || jj >= R) continue;
                  acc += W[((o * C + c) * 3 + di) * 3 + dj] * x[((n * C + c) * R + ii) * R + jj];
                }
            y[((n * Co + o) * R + i) * R + j] = lrelu(acc);
          }
    const H = R / 2;
    const p = new Float64Array(N * Co * H * H);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < Co; o++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < H; j++) {
            const at = (a: number, bb: number) => y[((n * Co + o) * R + a) * R + bb];
            p[((n * Co + o) * H + i) * H + j] = (at(2 * i, 2 * j) + at(2 * i + 1, 2 * j) + at(2 * i, 2 * j + 1) + at(2 * i + 1, 2 * j + 1)) / 4;
          }
    x = p;
    C = Co;
    R = H;
  });
  const dense = (input: Float64Array, inDim: number, wName: string, bName: string, act: boolean) => {
    const Wt = get(wName);
    const b = get(bName);
    const outDim = b.length;
    const out = new Float64Array(N * outDim);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < outDim; o++) {
        let acc = b[o];
        for (let i = 0; i < inDim; i++) acc += Wt[o * inDim + i] * input[n * inDim + i];
        out[n * outDim + o] = act ? lrelu(acc) : acc;
      }
    return out;
  };
  const features = dense(x, C * R * R, 'fc.weight', 'fc.bias', true);
  return { features, outputs: dense(features, config.featureDim, 'head.weight', 'head.bias', false) };
}

/** The factor loss in float64 from its definition. */
function referenceLoss(outputs: Float64Array, factors: number[][]): number {
  const layout = headLayout(SCHEMA);
  const O = layout.outputs;
  const N = factors.length;
  let total = 0;
  for (let n = 0; n < N; n++) {
    const o = (k: number) => outputs[n * O + k];
    const [level, hue, pattern] = factors[n];
    total += (o(0) - level) ** 2;
    total += (o(1) - Math.cos(2 * Math.PI * hue)) ** 2 + (o(2) - Math.sin(2 * Math.PI * hue)) ** 2;
    const logits = [o(3), o(4), o(5)];
    const m = Math.max(...logits);
    total += m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0)) - logits[pattern];
  }
  return total / N;
}

function randomWeights(config: PredictorConfig, rng: Rng): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of predictorWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = name.endsWith('.bias') ? 4 : shape.slice(1).reduce((a, b) => a * b, 1);
    out.set(name, { dtype: 'f32', shape, data: Float32Array.from({ length: n }, () => normal(rng) / Math.sqrt(fanIn)) });
  }
  return out;
}

function randomFactors(rng: Rng, N: number): number[][] {
  return Array.from({ length: N }, () => [rng.uniform(), rng.uniform(), rng.int(3)]);
}

/** relError's scale is at least this: outputs and losses near zero are compared in absolute terms below it. */
const SCALE_FLOOR = 1e-3;

// ------------------------------------------------------------------ tests

describe('FactorPredictor forward', () => {
  // Odd channel counts and batch sizes; 8 px is one stage, 16 px two.
  for (const [resolution, channels, featureDim, N] of [[8, [5], 7, 3], [16, [3, 6], 11, 2]] as const) {
    it(`matches float64 at ${resolution} px, channels [${channels}], ${featureDim} features, batch ${N} (seed ${SEED})`, async () => {
      const rng = Rng.keyed(SEED, resolution);
      const config: PredictorConfig = { resolution, channels: [...channels], featureDim, schema: SCHEMA };
      const weights = randomWeights(config, rng);
      const pixels = Float64Array.from({ length: N * 3 * resolution * resolution }, () => 2 * rng.uniform() - 1);
      const factors = randomFactors(rng, N);
      const want = referenceForward(config, weights, pixels, N);
      const predictor = FactorPredictor.fromWeights(rt, config, weights);
      const images = rt.tensor(Float32Array.from(pixels), [N, 3, resolution, resolution]);
      try {
        const [features, outputs, loss] = rt.noGrad(() =>
          rt.tidy(() => {
            const f = predictor.forward(images);
            return [f.features, f.outputs, predictor.loss(images, factors)];
          }),
        );
        const got = { features: await features.read(), outputs: await outputs.read(), loss: await loss.item() };
        for (const t of [features, outputs, loss]) t.dispose();
        expect(relError(got.features, want.features, SCALE_FLOOR), `features (seed ${SEED})`).toBeLessThan(FORWARD_TOLERANCE);
        expect(relError(got.outputs, want.outputs, SCALE_FLOOR), `outputs (seed ${SEED})`).toBeLessThan(FORWARD_TOLERANCE);
        expect(relError([got.loss], [referenceLoss(want.outputs, factors)], SCALE_FLOOR), `loss (seed ${SEED})`).toBeLessThan(FORWARD_TOLERANCE);
        expect(await predictor.predictorFeatures(images)).toEqual(got.features);
        expect(await predictor.predictFactors(images)).toEqual(decodeOutputs(predictor.layout, got.outputs, N));
      } finally {
        images.dispose();
        predictor.dispose();
      }
    });
  }
});

describe('factor loss', () => {
  it(`has the gradient of its float64 definition (seed ${SEED})`, async () => {
    const rng = Rng.keyed(SEED, 1);
    const N = 5;
    const layout = headLayout(SCHEMA);
    const O = layout.outputs;
    const outputs = Float64Array.from({ length: N * O }, () => normal(rng));
    const factors = randomFactors(rng, N);
    const leaf = rt.parameter(Float32Array.from(outputs), [N, O]);
    try {
      const loss = rt.tidy(() => {
        const l = factorLoss(leaf, encodeTargets(SCHEMA, layout, factors, 'test'), layout);
        backward(l);
        l.gradFn = null;
        return l;
      });
      expect(relError([await loss.item()], [referenceLoss(outputs, factors)], SCALE_FLOOR)).toBeLessThan(FORWARD_TOLERANCE);
      loss.dispose();
      const h = 1e-5;
      const fd = Array.from({ length: N * O }, (_, i) => {
        const plus = Float64Array.from(outputs);
        const minus = Float64Array.from(outputs);
        plus[i] += h;
        minus[i] -= h;
        return (referenceLoss(plus, factors) - referenceLoss(minus, factors)) / (2 * h);
      });
      expect(relError(await leaf.grad!.read(), fd, SCALE_FLOOR), `∂loss/∂outputs (seed ${SEED})`).toBeLessThan(BACKWARD_TOLERANCE);
    } finally {
      leaf.dispose();
    }
  });

  it('decodes circular columns with atan2 and categorical ones by argmax', () => {
    const layout = headLayout(SCHEMA);
    const decoded = decodeOutputs(layout, [1.3, 0, -2, 0.1, 0.5, 0.2, -0.2, -1, 0, 0, 0, 3], 2);
    expect(decoded[0][0]).toBe(1);
    expect(decoded[0][1]).toBeCloseTo(0.75, 12); // (cos, sin) = (0, −2): three quarters of a turn
    expect(decoded[0][2]).toBe(1);
    expect(decoded[1]).toEqual([0, 0.5, 2]);
  });
});

/** Images whose factors are plainly visible: red level (+ stripes by pattern), hue as (green, blue) = (cos, sin), in [−1, 1]. */
function syntheticBatch(factors: number[][], R: number): Tensor {
  const N = factors.length;
  const data = new Float32Array(N * 3 * R * R);
  factors.forEach(([level, hue, pattern], n) => {
    for (let i = 0; i < R; i++)
      for (let j = 0; j < R; j++) {
        const stripe = pattern === 1 ? (i % 4 < 2 ? 0.15 : -0.15) : pattern === 2 ? (j % 4 < 2 ? 0.15 : -0.15) : 0;
        const px = (c: number) => ((n * 3 + c) * R + i) * R + j;
        data[px(0)] = -0.6 + 1.2 * level + 2 * stripe;
        data[px(1)] = Math.cos(2 * Math.PI * hue);
        data[px(2)] = Math.sin(2 * Math.PI * hue);
      }
  });
  return rt.tensor(data, [N, 3, R, R]);
}

describe('FactorPredictor training', () => {
  it(`lowers the loss on synthetic images in a short run (seed ${SEED})`, async () => {
    const rng = Rng.keyed(SEED, 2);
    const config: PredictorConfig = { resolution: 16, channels: [16, 32], featureDim: 32, schema: SCHEMA };
    filterTensor(rt, setupFilter([1, 1])); // the pooling filter: uploaded once per runtime and kept, by design
    const liveBefore = rt.liveTensors;
    const predictor = FactorPredictor.create(rt, config, SEED >>> 0);
    const trainer = new PredictorTrainer(predictor, { lr: 3e-3 });
    const factors = randomFactors(rng, 16);
    const images = syntheticBatch(factors, 16);
    try {
      const first = await trainer.evaluate(images, factors);
      let liveAfterFirst = 0;
      for (let i = 0; i < 40; i++) {
        await trainer.step(images, factors);
        if (i === 0) liveAfterFirst = rt.liveTensors; // Adam's moments exist from here on
      }
      expect(rt.liveTensors, 'tensors leaked by training steps').toBe(liveAfterFirst);
      const after = await trainer.evaluate(images, factors);
      expect(after, `loss ${first} → ${after} (seed ${SEED})`).toBeLessThan(0.3 * first);
    } finally {
      images.dispose();
      trainer.dispose();
      predictor.dispose();
    }
    expect(rt.liveTensors, 'tensors left after dispose').toBe(liveBefore);
  });
});

describe('FactorPredictor on the shapes world', () => {
  it(`lowers the loss on a 32 px world batch in a short run (seed ${SEED})`, async () => {
    const world = loadWorld('world:shapes', { resolution: 32 });
    const batch = world.batch(Array.from({ length: 16 }, (_, i) => i), { seed: SEED >>> 0, split: 'train' });
    const predictor = FactorPredictor.create(rt, defaultPredictorConfig(world.schema, 32), SEED >>> 0);
    const trainer = new PredictorTrainer(predictor, { lr: 2e-3 });
    const images = rt.tensor(batch.pixels, [16, 3, 32, 32]);
    try {
      const first = await trainer.evaluate(images, batch.factors);
      for (let i = 0; i < 25; i++) await trainer.step(images, batch.factors);
      const after = await trainer.evaluate(images, batch.factors);
      expect(after, `loss ${first} → ${after} (seed ${SEED})`).toBeLessThan(0.5 * first);
      // Fitting this batch shows in the scores of its own categorical factors.
      const scores = scoreFactors(world.schema, await predictor.predictFactors(images), batch.factors);
      const shape = scores.find((s) => s.name === 'shape')!;
      expect(shape.kind === 'categorical' && shape.accuracy, `shape accuracy (seed ${SEED})`).toBeGreaterThan(0.5);
    } finally {
      images.dispose();
      trainer.dispose();
      predictor.dispose();
    }
  });
});

describe('scoreFactors', () => {
  it('averages absolute errors (wrapping circular ones) and class agreement', () => {
    const scores = scoreFactors(SCHEMA, [[0.5, 0.95, 1], [0.25, 0.5, 2]], [0.25, 0.05, 1, 0.25, 0.75, 0]);
    expect(scores.map((s) => [s.name, s.kind])).toEqual([['level', 'continuous'], ['hue', 'continuous'], ['pattern', 'categorical']]);
    const value = (i: number) => { const s = scores[i]; return s.kind === 'categorical' ? s.accuracy : s.meanAbsoluteError; };
    expect(value(0)).toBeCloseTo(0.125, 14);
    expect(value(1)).toBeCloseTo((0.1 + 0.25) / 2, 14); // 0.95 vs 0.05 is 0.1 around the circle
    expect(value(2)).toBe(0.5);
    expect(() => scoreFactors(SCHEMA, [[0.5, 0.5, 1]], [])).toThrow(/1 predicted vectors for 0 true ones/);
    expect(() => scoreFactors(SCHEMA, [0.5, 0.5], [0.5, 0.5, 1])).toThrow(/2 numbers does not make rows of the schema's 3 factors/);
  });
});

describe('FactorPredictor files', () => {
  it('saves and loads back to identical outputs, config and schema included', async () => {
    const config = defaultPredictorConfig(SCHEMA, 32);
    expect(config.channels).toEqual([32, 64, 128]);
    const predictor = FactorPredictor.create(rt, config, 5);
    const images = syntheticBatch(randomFactors(Rng.keyed(SEED, 3), 2), 32);
    let loaded: FactorPredictor | null = null;
    try {
      loaded = FactorPredictor.load(rt, await predictor.save(), 'round trip');
      expect(loaded.config).toEqual(config);
      expect(await loaded.predictorFeatures(images)).toEqual(await predictor.predictorFeatures(images));
      expect(await loaded.predictFactors(images)).toEqual(await predictor.predictFactors(images));
    } finally {
      loaded?.dispose();
      images.dispose();
      predictor.dispose();
    }
  });
});

describe('FactorPredictor refuses bad input', () => {
  it('names the shape, the factor or the file problem', async () => {
    const config: PredictorConfig = { resolution: 8, channels: [4], featureDim: 6, schema: SCHEMA };
    const predictor = FactorPredictor.create(rt, config, 1);
    const wrongSize = rt.tensor(new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
    const gray = rt.tensor(new Float32Array(8 * 8), [1, 1, 8, 8]);
    const ok = rt.tensor(new Float32Array(2 * 3 * 8 * 8), [2, 3, 8, 8]);
    try {
      expect(() => predictor.forward(wrongSize)).toThrow(/FactorPredictor.forward: images f32 \[1, 3, 16, 16\]: expected f32 \[N, 3, 8, 8\].*resolution is 8/);
      await expect(predictor.predictFactors(gray)).rejects.toThrow(/predictFactors: images f32 \[1, 1, 8, 8\]/);
      expect(() => predictor.loss(ok, [[0.5, 0.5, 1]])).toThrow(/1 factor vectors for images \[2, 3, 8, 8\]; pass one per image/);
      expect(() => predictor.loss(ok, [[0.5, 0.5, 1], [0.5, 0.5, 3]])).toThrow(/factors of sample 1.*categorical factor 'pattern' is 3/);
      expect(() => predictor.loss(ok, [[0.5, 0.5, 1], [1.5, 0.5, 0]])).toThrow(/continuous factor 'level' is 1.5/);
      expect(() => FactorPredictor.create(rt, { ...config, channels: [4, 4] })).toThrow(/channels must list 1 positive integers for resolution 8/);
      expect(() => FactorPredictor.create(rt, { ...config, resolution: 24 })).toThrow(/resolution must be a power of two ≥ 8, got 24/);
      expect(() => FactorPredictor.create(rt, { ...config, schema: [] })).toThrow(/the factor schema is empty/);
      const weights = new Map([...predictorWeightShapes(config)].map(([k, s]) => [k, { dtype: 'f32' as const, shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) }]));
      weights.set('fc.bias', { dtype: 'f32', shape: [5], data: new Float32Array(5) });
      expect(() => FactorPredictor.fromWeights(rt, config, weights)).toThrow(/wrong shapes: 'fc.bias' is \[5\], expected \[6\]/);
      expect(() => FactorPredictor.load(rt, new Uint8Array([1, 2, 3]), 'junk.safetensors')).toThrow(/FactorPredictor.load \(junk.safetensors\): not a safetensors file/);
      const saved = readSafetensors(await predictor.save());
      const other = writeSafetensors(saved.tensors, { ...saved.metadata, format: 'stylegpu-clip' });
      expect(() => FactorPredictor.load(rt, other, 'other.safetensors')).toThrow(/FactorPredictor.load \(other.safetensors\): format "stylegpu-clip" is not 'stylegpu-world-predictor'/);
      const newer = writeSafetensors(saved.tensors, { ...saved.metadata, version: '2' });
      expect(() => FactorPredictor.load(rt, newer, 'newer.safetensors')).toThrow(/version "2" is not supported \(expected 1\)/);
      saved.tensors.delete('head.bias');
      expect(() => FactorPredictor.load(rt, writeSafetensors(saved.tensors, saved.metadata), 'cut.safetensors')).toThrow(/FactorPredictor.load \(cut.safetensors\): the weights do not fit the config: missing head.bias/);
      predictor.dispose();
      expect(() => predictor.forward(ok)).toThrow(/the predictor was disposed/);
    } finally {
      for (const t of [wrongSize, gray, ok]) t.dispose();
      predictor.dispose();
    }
  });
});

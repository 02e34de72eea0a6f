/**
 * `FactorPredictor`: a small CNN that reads a world image back into its factors (architecture in
 * ./predictor-config.ts). It scores generators and edits against ground truth: `predictFactors`
 * for what an image shows, `predictorFeatures` for an FID-like distance (./frechet-distance.ts)
 * computed on features that know the world.
 *
 * Weights live on the GPU as trainable tensors; `save()` writes safetensors with the config (schema
 * included) in `__metadata__`: { format: 'stylegpu-world-predictor', version: '1', config: JSON }.
 */
import { readSafetensors, toFloat32, writeSafetensors, type HostTensor } from '@stylegpu/io';
import {
  biasAct,
  conv2d,
  downsample2d,
  formatShape,
  linear,
  reshape,
  setupFilter,
  toHost,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';
import { Rng } from '../random.js';
import { decodeOutputs, encodeTargets, factorRows, headLayout, type FactorVectors, type HeadLayout } from './head-layout.js';
import { factorLoss } from './factor-loss.js';
import { checkPredictorConfig, predictorWeightShapes, type PredictorConfig } from './predictor-config.js';

export const PREDICTOR_FORMAT = 'stylegpu-world-predictor';
export const PREDICTOR_VERSION = '1';

/** 2×2 box filter: downsample2d with it is a 2×2 average pool. */
const AVERAGE_POOL = setupFilter([1, 1]);

export interface PredictorOutputs {
  /** [N, featureDim], the penultimate layer. */
  features: Tensor;
  /** [N, outputs] in the head layout's columns. */
  outputs: Tensor;
}

/** Weights drawn N(0, 1/fan_in) (fan_in = in·3·3 for convs), biases 0, from a seeded stream. */
export function initPredictorWeights(config: PredictorConfig, seed: number): Map<string, HostTensor> {
  checkPredictorConfig(config, 'initPredictorWeights');
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`initPredictorWeights: seed must be a non-negative integer, got ${seed}`);
  const rng = Rng.keyed(seed, 0x707265 /* 'pre' */);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const weights = new Map<string, HostTensor>();
  for (const [name, shape] of predictorWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const std = name.endsWith('.bias') ? 0 : 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1));
    weights.set(name, { dtype: 'f32', shape, data: Float32Array.from({ length: n }, () => std * normal()) });
  }
  return weights;
}

export class FactorPredictor {
  readonly layout: HeadLayout;
  private disposed = false;

  private constructor(
    readonly rt: Runtime,
    readonly config: PredictorConfig,
    private readonly weights: Map<string, Tensor>,
  ) {
    this.layout = headLayout(config.schema);
  }

  /** A new predictor with seeded random weights, all trainable. */
  static create(rt: Runtime, config: PredictorConfig, seed = 0): FactorPredictor {
    return FactorPredictor.fromWeights(rt, config, initPredictorWeights(config, seed), 'FactorPredictor.create');
  }

  /** Uploads named weights after checking every name and shape against the config. */
  static fromWeights(rt: Runtime, config: PredictorConfig, host: ReadonlyMap<string, HostTensor>, source = 'FactorPredictor.fromWeights'): FactorPredictor {
    checkPredictorConfig(config, source);
    const expected = predictorWeightShapes(config);
    const missing = [...expected.keys()].filter((k) => !host.has(k));
    const extra = [...host.keys()].filter((k) => !expected.has(k));
    const wrong = [...expected].filter(([k, s]) => host.has(k) && formatShape(host.get(k)!.shape) !== formatShape(s)).map(([k, s]) => `'${k}' is ${formatShape(host.get(k)!.shape)}, expected ${formatShape(s)}`);
    if (missing.length + extra.length + wrong.length > 0) {
      const parts = [missing.length && `missing ${missing.join(', ')}`, extra.length && `unexpected ${extra.join(', ')}`, wrong.length && `wrong shapes: ${wrong.join(', ')}`].filter(Boolean);
      throw new Error(`${source}: the weights do not fit the config: ${parts.join('; ')}`);
    }
    const weights = new Map<string, Tensor>();
    for (const name of expected.keys()) weights.set(name, rt.parameter(toFloat32(host.get(name)!), host.get(name)!.shape, name));
    return new FactorPredictor(rt, config, weights);
  }

  /** Reads a predictor saved by `save()`. */
  static load(rt: Runtime, bytes: Uint8Array, source = 'predictor file'): FactorPredictor {
    let file;
    try {
      file = readSafetensors(bytes);
    } catch (e) {
      throw new Error(`FactorPredictor.load (${source}): not a safetensors file (${(e as Error).message})`);
    }
    const { metadata } = file;
    if (metadata.format !== PREDICTOR_FORMAT) {
      throw new Error(`FactorPredictor.load (${source}): format ${JSON.stringify(metadata.format)} is not '${PREDICTOR_FORMAT}'; is this a predictor saved by FactorPredictor.save?`);
    }
    if (metadata.version !== PREDICTOR_VERSION) {
      throw new Error(`FactorPredictor.load (${source}): version ${JSON.stringify(metadata.version)} is not supported (expected ${PREDICTOR_VERSION})`);
    }
    let config: unknown;
    try {
      config = JSON.parse(metadata.config ?? '');
    } catch (e) {
      throw new Error(`FactorPredictor.load (${source}): the metadata has no valid config JSON (${(e as Error).message})`);
    }
    checkPredictorConfig(config, `FactorPredictor.load (${source})`);
    return FactorPredictor.fromWeights(rt, config, file.tensors, `FactorPredictor.load (${source})`);
  }

  /** Safetensors bytes of the current weights with the config. */
  async save(): Promise<Uint8Array> {
    this.checkAlive('save');
    const host = new Map<string, HostTensor>();
    for (const [name, t] of this.weights) host.set(name, await toHost(t));
    return writeSafetensors(host, { format: PREDICTOR_FORMAT, version: PREDICTOR_VERSION, config: JSON.stringify(this.config) });
  }

  /** The trainable weights by name. */
  parameters(): Map<string, Tensor> {
    this.checkAlive('parameters');
    return new Map(this.weights);
  }

  /** Throws unless `images` is f32 [N, 3, R, R] at this predictor's resolution. */
  checkImages(images: Tensor, op: string): void {
    const R = this.config.resolution;
    if (images.dtype !== 'f32' || images.rank !== 4 || images.shape[0] < 1 || images.shape[1] !== 3 || images.shape[2] !== R || images.shape[3] !== R) {
      throw new Error(`FactorPredictor.${op}: images ${images.dtype} ${formatShape(images.shape)}: expected f32 [N, 3, ${R}, ${R}] with values in [-1, 1] (the predictor's resolution is ${R})`);
    }
    images.assertLive(`FactorPredictor.${op}`);
  }

  /** images [N, 3, R, R] in [−1, 1] → penultimate features and head outputs (records a graph when weights require grad). */
  forward(images: Tensor): PredictorOutputs {
    this.checkAlive('forward');
    this.checkImages(images, 'forward');
    const N = images.shape[0];
    const w = (name: string) => this.weights.get(name)!;
    let x = images;
    this.config.channels.forEach((_, i) => {
      x = biasAct(conv2d(x, w(`stages.${i}.conv.weight`), null, { padding: 1 }), w(`stages.${i}.conv.bias`), { act: 'lrelu' });
      x = downsample2d(x, AVERAGE_POOL);
    });
    const flat = reshape(x, [N, x.size / N]);
    const features = biasAct(linear(flat, w('fc.weight')), w('fc.bias'), { dim: 1, act: 'lrelu' });
    const outputs = linear(features, w('head.weight'), w('head.bias'));
    return { features, outputs };
  }

  /** The training loss of a batch against its true factor vectors (schema order; a list, or a `Batch`'s flat `factors`). */
  loss(images: Tensor, factors: FactorVectors): Tensor {
    this.checkAlive('loss');
    this.checkImages(images, 'loss');
    const rows = factorRows(this.config.schema, factors, 'FactorPredictor.loss');
    if (rows.length !== images.shape[0]) {
      throw new Error(`FactorPredictor.loss: ${rows.length} factor vectors for images ${formatShape(images.shape)}; pass one per image`);
    }
    const targets = encodeTargets(this.config.schema, this.layout, rows, 'FactorPredictor.loss');
    return factorLoss(this.forward(images).outputs, targets, this.layout);
  }

  /** Predicted factor vectors (schema order): clamped regressions, circular values from atan2, argmax classes. */
  async predictFactors(images: Tensor): Promise<number[][]> {
    this.checkImages(images, 'predictFactors');
    const outputs = this.rt.noGrad(() => this.rt.tidy(() => this.forward(images).outputs));
    try {
      return decodeOutputs(this.layout, await outputs.read(), images.shape[0]);
    } finally {
      outputs.dispose();
    }
  }

  /** Penultimate features [N · featureDim] (row-major), e.g. for `frechetDistance`. */
  async predictorFeatures(images: Tensor): Promise<Float32Array> {
    this.checkImages(images, 'predictorFeatures');
    const features = this.rt.noGrad(() => this.rt.tidy(() => this.forward(images).features));
    try {
      return (await features.read()) as Float32Array;
    } finally {
      features.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.weights.values()) t.dispose();
  }

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`FactorPredictor.${op}: the predictor was disposed`);
  }
}

/**
 * The factor predictor's configuration and the weights it implies.
 *
 * Architecture (one stage per halving from the input resolution down to 4×4):
 *   x = images                                         [N, 3, R, R] in [−1, 1], as the world renders
 *                                                      them and as generators output them
 *   stage i:  x = avgpool2(lrelu(conv3×3(x) + b))      channels[i] out
 *   features = lrelu(fc(flatten(x)) + b)               [N, featureDim]: the penultimate layer (FID-like scores)
 *   outputs  = head(features)                          [N, columns of the head layout]
 * lrelu is biasAct's (slope 0.2, gain √2, as StyleGAN): with weights drawn N(0, 1/fan_in) the
 * activations keep their scale through the stages.
 */
import type { FactorSchema } from '../schema.js';
import { headLayout } from './head-layout.js';

export interface PredictorConfig {
  /** Input side, a power of two ≥ 8 (the world renders 32 and 64). */
  resolution: number;
  /** Output channels of each stage; log2(resolution / 4) stages. */
  channels: number[];
  /** Width of the penultimate features. */
  featureDim: number;
  /** The factors predicted, as the world describes them. */
  schema: FactorSchema;
}

/** Default widths: 32 px → [32, 64, 128], 64 px → [16, 32, 64, 128]; 128 features. */
export function defaultPredictorConfig(schema: FactorSchema, resolution: number): PredictorConfig {
  const stages = stageCount(resolution, 'defaultPredictorConfig');
  const channels = Array.from({ length: stages }, (_, i) => 128 >> (stages - 1 - i));
  return { resolution, channels, featureDim: 128, schema };
}

function stageCount(resolution: number, where: string): number {
  const stages = Math.log2(resolution / 4);
  if (!Number.isInteger(resolution) || !Number.isInteger(stages) || stages < 1) {
    throw new Error(`${where}: resolution must be a power of two ≥ 8, got ${resolution}`);
  }
  return stages;
}

/** Throws a clear Error unless `config` is complete and consistent. */
export function checkPredictorConfig(config: unknown, where: string): asserts config is PredictorConfig {
  const c = config as Partial<PredictorConfig> | null;
  if (typeof c !== 'object' || c === null) throw new Error(`${where}: the predictor config is not an object`);
  const stages = stageCount(c.resolution as number, where);
  if (!Array.isArray(c.channels) || c.channels.length !== stages || c.channels.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`${where}: channels must list ${stages} positive integers for resolution ${c.resolution} (one per halving to 4×4), got ${JSON.stringify(c.channels)}`);
  }
  if (!Number.isInteger(c.featureDim) || (c.featureDim as number) < 1) throw new Error(`${where}: featureDim must be a positive integer, got ${c.featureDim}`);
  headLayout(c.schema as FactorSchema);
}

/** Every weight, name → shape, in a fixed order. Conv weights are [out, in, 3, 3], linear ones [out, in]. */
export function predictorWeightShapes(config: PredictorConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  let cin = 3;
  config.channels.forEach((cout, i) => {
    shapes.set(`stages.${i}.conv.weight`, [cout, cin, 3, 3]);
    shapes.set(`stages.${i}.conv.bias`, [cout]);
    cin = cout;
  });
  shapes.set('fc.weight', [config.featureDim, cin * 16]);
  shapes.set('fc.bias', [config.featureDim]);
  shapes.set('head.weight', [headLayout(config.schema).outputs, config.featureDim]);
  shapes.set('head.bias', [headLayout(config.schema).outputs]);
  return shapes;
}

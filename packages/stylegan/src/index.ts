// @stylegpu/stylegan public surface.
export {
  Mt19937,
  NumpyRandomState,
  assertLegacySeed,
  randomStateRandn,
} from './numpy-random.js';
export * from './checkpoint/index.js';
export { Generator, normalize2ndMoment, type MappingOptions, type NoiseMode, type StyleSpace, type SynthesisOptions } from './model/generator.js';
export { synthesisLayers, type LayerKind, type SynthesisLayerInfo } from './model/layers.js';
export { Discriminator } from './model/discriminator.js';
export * from './train/index.js';

// @stylegpu/stylegan public surface.
export {
  Mt19937,
  NumpyRandomState,
  assertLegacySeed,
  randomStateRandn,
} from './numpy-random.js';
export * from './checkpoint/index.js';

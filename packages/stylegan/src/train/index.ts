// Training from scratch (browser-safe part; the on-disk run and the PNG folder are in the node entry).
export { networkConfig, type NetworkConfigs, type NetworkOptions } from './network-config.js';
export { initDiscriminatorWeights, initGeneratorWeights } from './init-weights.js';
export { discriminatorFakeLoss, discriminatorRealLoss, generatorLoss } from './losses.js';
export { softplus } from './softplus.js';
export { mixStyles, mixingCutoff } from './style-mixing.js';
export { emaBeta, updateEma } from './ema.js';
export { lazyRegularizationHyper, lazyRegularizedAdam, type AdamHyper } from './lazy-adam.js';
export { generatorTrainables, isGeneratorBuffer } from './parameter-groups.js';
export { STREAM, stepSeed, stepUniform } from './step-random.js';
export {
  DEFAULT_TRAINING_OPTIONS,
  StyleGan2Trainer,
  checkTrainingOptions,
  type OptimizerHostState,
  type PhaseDraws,
  type PhaseName,
  type R1PenaltyFn,
  type StepStats,
  type TrainerExtras,
  type TrainerHostState,
  type TrainingCounters,
  type TrainingOptions,
} from './trainer.js';
export {
  TRAINING_STATE_FORMAT,
  networkSnapshotBytes,
  parseTrainingState,
  parseTrainingStateMetadata,
  trainingStateBytes,
  type TrainingStateFile,
  type TrainingStateMetadata,
} from './training-state.js';
export { ImageArraySource, type ArraySourceOptions, type ImageSource } from './image-source.js';
export { sampleGrid, toRasters, type SampleGridOptions } from './sample-grid.js';
export { worldImageSource, type WorldLike, type WorldSourceOptions } from './world-source.js';

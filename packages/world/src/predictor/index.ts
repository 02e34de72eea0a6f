// The factor predictor: a small CNN reading world images back into their factors, and the Fréchet distance on its features.
export { checkPredictorConfig, defaultPredictorConfig, predictorWeightShapes, type PredictorConfig } from './predictor-config.js';
export { decodeOutputs, encodeTargets, factorRows, headLayout, type FactorTargets, type FactorVectors, type HeadColumns, type HeadLayout } from './head-layout.js';
export { factorLoss } from './factor-loss.js';
export { FactorPredictor, initPredictorWeights, PREDICTOR_FORMAT, PREDICTOR_VERSION, type PredictorOutputs } from './factor-predictor.js';
export { PredictorTrainer, type PredictorTrainerOptions } from './predictor-trainer.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { featureStatistics, frechetDistance, frechetDistanceFromStatistics, type FeatureStatistics } from './frechet-distance.js';
export { scoreFactors, type FactorScore } from './factor-scores.js';

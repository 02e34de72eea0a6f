/**
 * `@stylegpu/world/predictor`: a small CNN reading world images back into their factors, and the
 * Fréchet distance on its features (an FID whose feature extractor knows the world). Needs
 * @stylegpu/kernels and @stylegpu/io (optional peers of @stylegpu/world; the main entry needs neither).
 *
 *   const world = loadWorld('world:shapes', { resolution: 32 });
 *   const predictor = FactorPredictor.create(rt, defaultPredictorConfig(world.schema, 32), seed);
 *   const trainer = new PredictorTrainer(predictor, { lr: 1e-3 });
 *   for (const b of world.batches({ batchSize: 32, maxBatches: n })) await trainer.step(rt.tensor(b.pixels, [32, 3, 32, 32]), b.factors);
 *   scoreFactors(world.schema, await predictor.predictFactors(images), trueFactors);   // MAE / accuracy per factor
 *   frechetDistance(await predictor.predictorFeatures(a), await predictor.predictorFeatures(b), predictor.config.featureDim);
 *   const bytes = await predictor.save();  FactorPredictor.load(rt, bytes);
 *   await loadPredictor(rt, 'embedded:shapes32-predictor');   // or bytes, or (Node) a path
 */
export { checkPredictorConfig, defaultPredictorConfig, predictorWeightShapes, type PredictorConfig } from './predictor-config.js';
export { decodeOutputs, encodeTargets, factorRows, headLayout, type FactorTargets, type FactorVectors, type HeadColumns, type HeadLayout } from './head-layout.js';
export { factorLoss } from './factor-loss.js';
export { FactorPredictor, initPredictorWeights, PREDICTOR_FORMAT, PREDICTOR_VERSION, type PredictorOutputs } from './factor-predictor.js';
export { PredictorTrainer, type PredictorTrainerOptions } from './predictor-trainer.js';
export { featureStatistics, frechetDistance, frechetDistanceFromStatistics, type FeatureStatistics } from './frechet-distance.js';
export { scoreFactors, type FactorScore } from './factor-scores.js';
export { EMBEDDED_PREDICTORS, embeddedPredictorUrl, loadPredictor } from './load-predictor.js';
export { PREDICTOR_STATE_FORMAT, resumePredictorTraining, savePredictorTrainingState, type PredictorRunOptions } from './predictor-training-state.js';

// @stylegpu/discovery: semantic direction discovery in StyleGAN latent spaces (see README).
export { SeededRandom } from './linalg/seeded-random.js';
export { checkSeeds, sampleWHost, seedRange, styleGanLatents, type LatentGenerator, type StyleGanLatentOptions } from './latent-generator.js';
export { checkDirectionSet, directionSetEditor, editW, layerRangeWeights, type DirectionSet, type LatentEditor } from './direction-set.js';
export { pca, type Pca } from './baselines/pca.js';
export { ganspace, ganspaceFromSamples, type GanSpaceOptions, type GanSpaceResult } from './baselines/ganspace.js';
export { sefa, sefaFromWeights, type SefaOptions, type SefaResult } from './baselines/sefa.js';
export { PlantedGenerator, type PlantedGeneratorOptions } from './toy/planted-generator.js';
export { disentanglementScores, type DisentanglementOptions, type DisentanglementScores } from './metrics/disentanglement.js';
export { change, factorEffects, type FactorEffects, type FactorEffectsOptions, type FactorKind, type FactorPredictorFn } from './metrics/factor-effects.js';
export { pixelSensor, type FeatureSensor } from './sensors/feature-sensor.js';
export { changeMagnitude, contrastiveLoss, maskedAgreement, normalizeMasks, squaredCosine, type ContrastiveWeights, type FeatureDiffs } from './navigator/contrastive-loss.js';
export { PrototypeBank } from './navigator/prototype-bank.js';
export {
  checkNavigatorConfig,
  initNavigatorWeights,
  Navigator,
  NAVIGATOR_FORMAT,
  NAVIGATOR_VERSION,
  navigatorShapes,
  type LayerHeat,
  type NavigatorConfig,
  type NavigatorType,
} from './navigator/navigator.js';
export { NavigatorTrainer, typicalWDeviation, type LossVariant, type NavigatorStepResult, type NavigatorTrainerOptions } from './navigator/navigator-trainer.js';
export { clipTokenSensor, randomClipSensor, type ClipTokenSensor, type ClipTokenSensorOptions } from './sensors/clip-token-sensor.js';
export { discriminatorSensor, type DiscriminatorSensorOptions } from './sensors/discriminator-sensor.js';
export { chwToRaster, renderTraversal, traversalGif, traversalGrid, type Traversal, type TraversalOptions } from './traverse/traversal.js';
export { calibrateSteps, type CalibrateOptions } from './traverse/calibrate.js';
export { DIRECTIONS_FORMAT, DIRECTIONS_VERSION, disposeEditor, loadDirectionSet, loadEditor, saveDirectionSet } from './direction-file.js';
export { compareMethods, comparisonMarkdown, withStepScales, type ComparisonOptions, type ComparisonRow, type MethodEntry } from './compare/method-comparison.js';

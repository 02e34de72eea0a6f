export {
  DEFAULTS,
  blockResolutions,
  discriminatorShapes,
  generatorShapes,
  numWsFor,
  type CheckpointLayout,
  type DiscriminatorConfig,
  type GeneratorConfig,
  type ShapeTable,
  type StyleGanConfig,
} from './config.js';
export {
  STYLEGPU_FORMAT,
  defaultResampleFilter,
  loadStyleGanCheckpoint,
  parseStyleGanCheckpoint,
  type StyleGanCheckpoint,
} from './load.js';
export { exportRosinality, saveStyleGanCheckpoint } from './save.js';
export { discriminatorNameMapping, generatorNameMapping, type NameMapping, type NamePair } from './rosinality.js';
export { EMBEDDED_GENERATORS, EMBEDDED_PREFIX, embeddedGeneratorUrl, isEmbeddedName, readEmbeddedFile, readEmbeddedGenerator } from './embedded.js';

export { loadWorld, WORLD_NAMES, WORLD_DEFINITIONS, type LoadWorldOptions } from './load-world.js';
export {
  World,
  MIN_RESOLUTION,
  MAX_RESOLUTION,
  type Batch,
  type BatchOptions,
  type Sample,
  type SampleOptions,
} from './world.js';
export { SPLITS, type Split, type HeldoutRule, type WorldDefinition } from './definition.js';
export {
  type FactorSpec,
  type FactorSchema,
  type ContinuousFactor,
  type CategoricalFactor,
  type PhysicalRange,
  type FactorRecord,
  checkFactors,
  toPhysical,
} from './schema.js';
export {
  COLOUR_NAMES,
  HUE_BINS,
  type ColourName,
  type HueBin,
  type Rgb,
  hueName,
  hueBin,
  hueOfName,
  hueInBin,
  hueDistance,
  wrapHue,
  hsvToRgb,
  rgbToHsv,
  colourNameOfRgb,
} from './colour.js';
export {
  SHAPES_WORLD,
  SHAPES_SCHEMA,
  SHAPES_FACTOR,
  SHAPES_HELDOUT_PAIRS,
  TEXTURES,
  shapesGeometry,
  type ShapesGeometry,
} from './shapes-world.js';
export { SHAPE_NAMES, type ShapeName } from './shape-outlines.js';
export { SHAPE_WORDS, SIZE_WORDS, positionPhrase, shapesCaption } from './shapes-caption.js';
export {
  FACES_WORLD,
  FACES_SCHEMA,
  FACES_FACTOR,
  FACES_HELDOUT_PAIRS,
  HAIR_COLOURS,
  HAIR_RGB,
  GLASSES,
  EXPRESSIONS,
  SKIN_STOPS,
  FACE_BACKGROUND_NAMES,
  skinRgb,
  type HairColour,
  type Expression,
} from './faces-world.js';
export { EXPRESSION_WORDS, HAIR_LENGTH_WORDS, EYE_WORDS, expressionOf, facesCaption } from './faces-caption.js';
export { toUint8HWC, imageGrid, type Uint8Image } from './image.js';
export { Rng, hashWords } from './random.js';

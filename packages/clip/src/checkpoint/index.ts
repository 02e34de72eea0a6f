// CLIP checkpoint loading (browser-safe); `./node.js` adds loading from paths and folders.
export {
  checkClipConfig,
  checkClipWeights,
  clipWeightShapes,
  inferClipConfig,
  OPENAI_LAYER_NORM_EPS,
  type ClipActivation,
  type ClipConfig,
  type ClipHeadOptions,
  type ClipTextConfig,
  type ClipTowerConfig,
  type ClipVisionConfig,
  type Shaped,
} from './config.js';
export { huggingFaceShapesAsOpenAI, huggingFaceWeightShapes } from './huggingface.js';
export {
  readClipCheckpoint,
  type ClipCheckpoint,
  type ClipCheckpointContainer,
  type ClipCheckpointFiles,
  type ClipCheckpointLayout,
  type ClipLoadOptions,
  type HeadCountSource,
} from './load.js';
export { saveClipCheckpoint, STYLEGPU_CLIP_FORMAT, STYLEGPU_CLIP_VERSION, type SaveClipOptions } from './stylegpu.js';
export { EMBEDDED_CLIPS, EMBEDDED_PREFIX, embeddedClipUrls, isEmbeddedName, readEmbeddedClip, readWordVocabulary, wordVocabularyFileFor } from './embedded.js';

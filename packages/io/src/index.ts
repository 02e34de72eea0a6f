/**
 * The runtime-independent surface of @stylegpu/io, safe for browsers and Node alike: plain data, no GPU.
 * The two entry points add what differs: Node's adds the file helpers (`readFileBytes`, `writeFileAtomic`),
 * the PNG/JPEG codecs and reading embedded files from disk; the browser's fetches embedded files.
 */

export {
  DTYPES,
  allocHostData,
  dtypeByteSize,
  float16BitsToNumber,
  hostDataBytes,
  hostDataFromBytes,
  hostTensor,
  isDType,
  numberToFloat16Bits,
  numel,
  toFloat32,
  toNumbers,
  type DType as HostDType,
  type HostData,
  type HostTensor,
} from './host-tensor.js';
export { readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors.js';
export { readNpy, readNpz, writeNpy, writeNpz, type ReadNpzOptions } from './npy.js';
// The PNG/JPEG codecs (pngjs, jpeg-js) use Node's zlib and Buffer: the Node entry exports them
// (index.node.ts); a browser has its own codecs (canvas, createImageBitmap).
export {
  DEFAULT_IMAGE_LIMITS,
  checkImageSize,
  checkRaster,
  convertChannels,
  type Channels,
  type ImageSizeLimits,
  type RasterImage,
} from './raster.js';
export type { DecodeOptions } from './image-codec.js';
export { imageGrid, type GridOptions } from './image-grid.js';
export {
  PickleGlobal,
  PickledObject,
  pickledAttributes,
  unpickle,
  type GlobalHandler,
  type GlobalHandlers,
  type UnpickleOptions,
  type UnpickleResult,
} from './torch/pickle.js';
export { TorchStorage, TorchTensor } from './torch/storage.js';
export { NumpyArray, NumpyDtype, PersistentModule, torchGlobals } from './torch/torch-globals.js';
export {
  readTorchCheckpoint,
  type ReadTorchOptions,
  type TorchCheckpoint,
  type TorchCheckpointFormat,
} from './torch/checkpoint.js';
export { flattenStateDict } from './torch/state-dict.js';
export {
  PyFloat,
  PyOrderedDict,
  crc32,
  writeTorchCheckpoint,
  type TorchSaveValue,
  type WriteTorchOptions,
} from './torch/write-checkpoint.js';
export { EMBEDDED_PREFIX, embeddedFileUrl, embeddedFolder, isEmbeddedName, missingEmbeddedFile } from './embedded-files.js';

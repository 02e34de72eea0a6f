// @stylegpu/adapt/node: everything in the main entry plus whole runs on disk.
export * from './index.js';
// PNG strips need @stylegpu/io's Node-only PNG encoder.
export * from './directions/strips.js';
export {
  readNadaInputs,
  readResumeState,
  readStyleImages,
  runNada,
  tokenizerFor,
  type NadaClipData,
  type NadaClipSpec,
  type NadaInputs,
  type NadaResumeState,
  type NadaRunOptions,
} from './nada/nada-run.js';
export { runMapper, type MapperRunOptions } from './mapper/mapper-run.js';

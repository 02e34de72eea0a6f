// @stylegpu/stylegan/node: everything in the main entry plus training runs on disk.
export * from './index.js';
export { trainStyleGan, type RunOptions, type TrainProgress, type TrainRunOptions, type TrainRunResult } from './train/train-run.js';
export { pngFolderSource } from './train/png-folder-source.js';
export { readTrainingStateMetadata } from './train/read-training-state-metadata.js';

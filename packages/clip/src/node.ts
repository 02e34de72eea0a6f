// @stylegpu/clip/node: everything in the main entry plus the file-system loader.
export * from './index.js';
export { bundledVocabularyPath, loadTokenizer } from './tokenizer-node.js';
export { loadClipCheckpoint, saveClipCheckpointFile } from './checkpoint/node.js';
export { loadClip } from './load-clip.js';
export { type ClipTokenizerChoice, type ClipTokenizerOptions, type LoadedClipTokenizer, clipTokenizerChoice, loadClipTokenizer, wordVocabularyOf } from './tokenizer-for-model.js';

// @stylegpu/clip public surface (browser-safe; the file loader is in ./node).
export {
  CLIP_CONTEXT_LENGTH,
  ClipTokenizer,
  END_OF_TEXT,
  MAX_TOKENIZED_PROMPT_LENGTH,
  MAX_VOCABULARY_BYTES,
  OPENAI_MERGE_COUNT,
  START_OF_TEXT,
  type OpenAiBpeOptions,
  type TokenizeOptions,
} from './tokenizer.js';
export { type ModelWordTokenizer, type TextTokenizer, wordTokenizerForModel } from './text-tokenizer.js';
export { cleanClipText, fixText } from './text-fixing.js';
export { htmlUnescape } from './html-unescape.js';
export { BYTE_TO_UNICODE, UNICODE_TO_BYTE } from './bytes-to-unicode.js';
export * from './checkpoint/index.js';
export * from './model/index.js';
export { CLIP_MEAN, CLIP_STD, preprocessGenerated, preprocessImage, resizedSize, type PreprocessOptions } from './preprocess.js';
export * from './train/index.js';

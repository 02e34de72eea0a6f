/** Node entry: the shared surface plus files on disk and the PNG/JPEG codecs (pngjs, jpeg-js, node:zlib). */
export * from './index.js';
export * from './fs-node.js';
export { readEmbeddedFile } from './embedded-read-node.js';
export * from './image-codec.js';

/** Browser entry: the shared surface; embedded files are fetched. This file never imports a Node module. */
export * from './index.js';
export { fetchEmbeddedFile as readEmbeddedFile } from './embedded-files.js';

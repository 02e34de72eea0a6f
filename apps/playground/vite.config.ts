import { defineConfig } from 'vite';
import { embeddedModels } from './embedded-models-plugin.js';

export default defineConfig({
  // A missing file is a 404, never the page itself (an absent embedded model must read as absent).
  appType: 'mpa',
  resolve: {
    // pngjs (in @stylegpu/io's image codecs) ships a browser build it does not declare.
    alias: { pngjs: 'pngjs/browser.js' },
  },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  plugins: [embeddedModels()],
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

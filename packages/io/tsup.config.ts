import { defineConfig } from 'tsup';

// Two entry points that differ only in what the platform offers: the `exports` map picks one by the
// `node` / `browser` condition, so a browser bundle never sees node:fs, node:zlib or pngjs.
export default defineConfig({
  entry: { 'index.node': 'src/index.node.ts', 'index.browser': 'src/index.browser.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});

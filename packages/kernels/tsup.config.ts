import { defineConfig } from 'tsup';

// Two entry points that differ only in where the GPU comes from; the `exports` map
// picks one by the `node` / `browser` condition, so a browser bundle never sees `webgpu`.
// `internals` (variants, raw launches, WGSL plumbing) and `testing` are subpaths of their own.
export default defineConfig({
  entry: {
    'index.node': 'src/index.node.ts',
    'index.browser': 'src/index.browser.ts',
    internals: 'src/internals.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['webgpu'],
});

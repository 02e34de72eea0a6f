import { defineConfig } from 'tsup';

// Two entry points that differ only in where the GPU comes from; the `exports` map
// picks one by the `node` / `browser` condition, so a browser bundle never sees `webgpu`.
// `internals` (variants, raw launches, WGSL plumbing) is a subpath of its own. Two more for tests:
// `testing` (pure helpers) and `testing/vitest` (assertions and the test runtime; vitest stays
// external, an optional peer). Code splitting puts the modules the entries share into common
// chunks, so `internals` and `testing/vitest` use the same Tensor and Runtime as `index.node`.
export default defineConfig({
  entry: {
    'index.node': 'src/index.node.ts',
    'index.browser': 'src/index.browser.ts',
    internals: 'src/internals.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/vitest/index': 'src/testing/vitest/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  external: ['webgpu', 'vitest'],
});

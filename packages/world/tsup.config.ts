import { defineConfig } from 'tsup';

// No runtime dependencies: the worlds are plain TypeScript and run unchanged in Node and browsers.
// The `predictor` entry (a CNN on the GPU) is separate so that only it needs @stylegpu/kernels and @stylegpu/io (optional peers).
export default defineConfig({
  entry: { index: 'src/index.ts', predictor: 'src/predictor/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});

import { defineConfig } from 'tsup';

// No runtime dependencies: the worlds are plain TypeScript and run unchanged in Node and browsers.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});

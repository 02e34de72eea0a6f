import { defineConfig } from 'tsup';

// Two entry points that differ only in where the GPU comes from; the `exports` map
// picks one by the `node` / `browser` condition, so a browser bundle never sees `webgpu`.
export default defineConfig({
  entry: ['src/index.node.ts', 'src/index.browser.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['webgpu'],
});

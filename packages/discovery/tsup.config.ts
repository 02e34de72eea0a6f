import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: [/^@stylegpu\//],
  // gifenc has no exports map (Node would load its CommonJS build): bundle its ESM build.
  noExternal: ['gifenc'],
});

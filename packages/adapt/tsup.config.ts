import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: [/^@stylegpu\//],
  // gifenc's package has no exports map (Node would load its CommonJS build); bundle its ESM build instead.
  noExternal: ['gifenc'],
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, importSpecifiers } from './import-graph.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packages = fs
  .readdirSync(path.join(root, 'packages'))
  .filter((name) => fs.existsSync(path.join(root, 'packages', name, 'src')))
  .sort();

/**
 * The packages' layers (README's packages table): a package may import only packages of a lower
 * layer, so the file formats never depend on the GPU, the kernels never on a model and the models
 * never on the tools built on them.
 */
const LAYERS = [['io'], ['kernels'], ['stylegan', 'clip', 'world'], ['adapt', 'invert', 'discovery'], ['cli']];
const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((name) => [name, layer])));

describe('findCycles', () => {
  const cyclesOf = (edges) => findCycles(new Map(Object.entries(edges))).map((c) => c.join(' → ')).sort();

  it('finds none in an acyclic graph, diamonds included', () => {
    expect(cyclesOf({ a: ['b', 'c'], b: ['c'], c: [] })).toEqual([]);
  });

  it('gives a cycle as the path back to its start, from its smallest node, without the imports off it', () => {
    expect(cyclesOf({ c: ['a', 'd'], a: ['b'], b: ['c'], d: [] })).toEqual(['a → b → c → a']);
  });

  it('shows every import that is on a cycle, a self-import too', () => {
    expect(cyclesOf({ a: ['b'], b: ['a', 'c'], c: ['b'], d: ['d'] })).toEqual(['a → b → a', 'b → c → b', 'd → d']);
    expect(cyclesOf({ a: ['b', 'c'], b: ['c'], c: ['a'] })).toEqual(['a → b → c → a', 'a → c → a']);
  });
});

describe('importSpecifiers', () => {
  it('finds imports, re-exports and side-effect imports; flags the type-only ones; skips comments, strings and import()', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, type D } from './c.js';",
      "import { type E, e } from './e.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      "export * from './h.js';",
      "import './side-effect.js';",
      "import * as fs from 'node:fs';",
      "// import { x } from './comment.js';",
      "const s = \"import { y } from './string.js'\";",
      "const later = () => import('./lazy.js');",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: './b.js', typeOnly: true },
      { specifier: './c.js', typeOnly: true },
      { specifier: './e.js', typeOnly: false },
      { specifier: './f.js', typeOnly: false },
      { specifier: './g.js', typeOnly: true },
      { specifier: './h.js', typeOnly: false },
      { specifier: './side-effect.js', typeOnly: false },
      { specifier: 'node:fs', typeOnly: false },
    ]);
  });
});

describe('the packages', () => {
  it('each have a layer', () => {
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((name) => !layerOf.has(name))).toEqual([]);
  });

  // Runtime imports only (see import-graph.mjs): a type-only import is erased and cannot cycle.
  it.each(packages)('%s: no import cycle among the runtime imports of src/', (name) => {
    const src = path.join(root, 'packages', name, 'src');
    const cycles = findCycles(importGraph(src).graph).map((cycle) => cycle.map((f) => path.relative(src, f)).join(' → '));
    expect(cycles, `import cycles in packages/${name}/src`).toEqual([]);
  });

  // Type-only imports count here: a declaration importing a higher package depends on it too.
  it.each(packages)('%s: imports only declared packages of lower layers, and no file outside its src/', (name) => {
    const dir = path.join(root, 'packages', name);
    const src = path.join(dir, 'src');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }));
    const { graph, bare } = importGraph(src);
    const offences = [];
    for (const { file, specifier } of bare) {
      const [scope, target] = specifier.split('/');
      if (scope !== '@stylegpu') continue;
      const where = `${path.relative(src, file)}: '${specifier}'`;
      if (!layerOf.has(target)) offences.push(`${where} is no package of the layers`);
      else if (layerOf.get(target) >= layerOf.get(name)) offences.push(`${where}: layer ${layerOf.get(target)} from layer ${layerOf.get(name)}`);
      else if (!declared.has(`@stylegpu/${target}`)) offences.push(`${where} is not in package.json dependencies`);
    }
    for (const [file, targets] of graph) {
      for (const t of targets) {
        if (path.relative(src, t).startsWith('..')) offences.push(`${path.relative(src, file)}: imports ${path.relative(root, t)}, outside src/`);
      }
    }
    expect(offences, `imports of packages/${name}/src that break the layers`).toEqual([]);
  });
});

/**
 * The import graph of a package's sources, for checking that it has no cycles (issue 19) and that
 * packages import only the layers below them.
 *
 * Only runtime imports are edges: `import type`, `export type … from` and imports whose every named
 * binding is marked `type` are erased by tsup (esbuild), so they cannot take part in a load-order
 * cycle (a value import used only as a type without saying so still counts: the check errs on the
 * strict side). A dynamic `import()` runs after every static import has loaded, so it is not an
 * edge either. Sources are read with the TypeScript parser (a dev dependency already), so an import
 * inside a comment or a string cannot be mistaken for one.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Every `.ts` source under `dir` (declaration files hold no runtime code). */
export function sourceFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * The specifiers of the static imports and re-exports of `text`, each with whether it is
 * type-only (erased at runtime: `import type`, `export type … from`, or every binding `type`).
 */
export function importSpecifiers(text, fileName = 'source.ts') {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const allTypes = (named) =>
    !!named && (ts.isNamedImports(named) || ts.isNamedExports(named)) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  const specifiers = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && allTypes(clause.namedBindings)));
      specifiers.push({ specifier: s.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier) {
      specifiers.push({ specifier: s.moduleSpecifier.text, typeOnly: s.isTypeOnly || allTypes(s.exportClause) });
    }
  }
  return specifiers;
}

/** The file a relative specifier loads: `./a.js` is `a.ts` in source, `./dir` is `dir/index.ts`. */
export function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base.replace(/\.(m?)js$/, '.$1ts'), base, `${base}.ts`, path.join(base, 'index.ts')];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new Error(`${fromFile}: cannot resolve import '${specifier}' (tried ${candidates.join(', ')})`);
  return found;
}

/**
 * The imports of every source under `srcDir`: `graph` maps each file to the files it imports
 * relatively at runtime (the edges a load-order cycle can use); `bare` lists every package
 * import (`@stylegpu/kernels`, `node:fs`, …), type-only ones included and flagged.
 */
export function importGraph(srcDir) {
  const graph = new Map();
  const bare = [];
  for (const file of sourceFiles(srcDir)) {
    const targets = [];
    for (const { specifier, typeOnly } of importSpecifiers(fs.readFileSync(file, 'utf8'), file)) {
      if (!specifier.startsWith('.')) bare.push({ file, specifier, typeOnly });
      else if (!typeOnly) targets.push(resolveRelative(file, specifier));
    }
    graph.set(file, targets);
  }
  return { graph, bare };
}

/**
 * The import cycles of `graph` (node → nodes it imports), each as a path [a, b, …, a]: inside every
 * strongly connected component (Tarjan), the shortest cycle through each import, each cycle once
 * (rotated to start at its smallest node). So every import that takes part in a cycle is shown.
 * Empty for an acyclic graph.
 */
export function findCycles(graph) {
  const edges = (n) => graph.get(n) ?? [];
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const connect = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set();
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.add(w);
    } while (w !== v);
    components.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);

  const cycles = new Map();
  for (const component of components) {
    for (const v of [...component].sort()) {
      for (const w of edges(v)) {
        if (!component.has(w)) continue; // an import leaving the component is on no cycle
        const ring = [v, ...shortestPath(w, v, edges, component).slice(0, -1)];
        const first = ring.indexOf([...ring].sort()[0]);
        const rotated = [...ring.slice(first), ...ring.slice(0, first)];
        cycles.set(rotated.join('\0'), [...rotated, rotated[0]]);
      }
    }
  }
  return [...cycles.values()];
}

/** Breadth-first: the shortest path from → … → to through nodes of `within` (which connects them). */
function shortestPath(from, to, edges, within) {
  if (from === to) return [to];
  const previous = new Map([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const w of edges(queue[i])) {
      if (!within.has(w) || previous.has(w)) continue;
      previous.set(w, queue[i]);
      if (w === to) {
        const path = [];
        for (let u = to; u !== null; u = previous.get(u)) path.unshift(u);
        return path;
      }
      queue.push(w);
    }
  }
  throw new Error(`findCycles: ${from} does not reach ${to} inside its component`);
}

/**
 * The package's `embedded/` folder (small trained models shipped inside the package, loadable by
 * name), and reading a file from it: from disk in Node, with `fetch` in a browser.
 *
 * The folder is resolved from this module's URL: src/ (tests) and dist/ (the built bundle, where
 * this code lands in dist/*.js) both sit one level below the package root. `STYLEGPU_EMBEDDED_DIR`
 * (Node) points the names at another folder holding files of the same names (tests, or weights kept
 * outside node_modules).
 */
export const EMBEDDED_FOLDER = new URL('../embedded/', import.meta.url);

export const EMBEDDED_PREFIX = 'embedded:';

export function isEmbeddedName(source: string): boolean {
  return source.startsWith(EMBEDDED_PREFIX);
}

/** The folder the names resolve in: STYLEGPU_EMBEDDED_DIR if set (Node), else the package's embedded/. */
export function embeddedFolder(): URL {
  const dir = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.STYLEGPU_EMBEDDED_DIR;
  return dir ? directoryUrl(dir) : EMBEDDED_FOLDER;
}

/** Reads a file: URL from disk (Node) or any other URL with fetch (browsers). */
export async function readEmbeddedFile(url: URL, source: string): Promise<Uint8Array> {
  const missing = `${source}: ${url.href} is not there; this copy of the package ships without it (embedded/README.md gives the command that trains it)`;
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    try {
      const buf = await readFile(fileURLToPath(url));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(missing);
      throw e;
    }
  }
  const response = await fetch(url);
  if (response.status === 404) throw new Error(missing);
  if (!response.ok) throw new Error(`${source}: fetching ${url.href} failed with HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A folder path (relative ones from the working directory) as a file: URL ending in '/'. */
function directoryUrl(dir: string): URL {
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.() ?? '/';
  const absolute = /^([A-Za-z]:)?[\\/]/.test(dir) ? dir : `${cwd}/${dir}`;
  let p = absolute.replace(/\\/g, '/');
  if (!p.endsWith('/')) p += '/';
  if (/^[A-Za-z]:\//.test(p)) p = `/${p}`;
  return new URL(`file://${p.split('/').map(encodeURIComponent).join('/').replace(/%3A/g, ':')}`);
}

/**
 * Generators shipped inside this package, loadable by name: `Generator.load(rt, 'embedded:shapes32')`
 * (and `loadStyleGanCheckpoint`) read `embedded/shapes32.safetensors` from the package folder —
 * from disk in Node, with `fetch` in a browser. embedded/README.md says which run produced each file.
 *
 * `STYLEGPU_EMBEDDED_DIR` (Node) points the names at another folder holding files of the same
 * names (tests, or weights kept outside node_modules).
 */
import { EMBEDDED_FOLDER } from '../embedded-folder.js';

export const EMBEDDED_PREFIX = 'embedded:';

/** Name (after `embedded:`) → file in embedded/. */
export const EMBEDDED_GENERATORS: Readonly<Record<string, string>> = {
  shapes32: 'shapes32.safetensors',
};

export function isEmbeddedName(source: string): boolean {
  return source.startsWith(EMBEDDED_PREFIX);
}

/** The folder the names resolve in: STYLEGPU_EMBEDDED_DIR if set (Node), else the package's embedded/. */
export function embeddedFolder(): URL {
  const dir = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.STYLEGPU_EMBEDDED_DIR;
  return dir ? directoryUrl(dir) : EMBEDDED_FOLDER;
}

/** `embedded:<name>` → the URL of its file; an unknown name throws listing the known ones. */
export function embeddedGeneratorUrl(source: string): URL {
  const name = source.slice(EMBEDDED_PREFIX.length);
  const file = Object.hasOwn(EMBEDDED_GENERATORS, name) ? EMBEDDED_GENERATORS[name] : undefined;
  if (!isEmbeddedName(source) || file === undefined) {
    const known = Object.keys(EMBEDDED_GENERATORS).map((n) => EMBEDDED_PREFIX + n);
    throw new Error(`'${source}' is not an embedded generator; the embedded generators are ${known.join(', ')}`);
  }
  return new URL(file, embeddedFolder());
}

/** The bytes of an embedded generator; a file this copy of the package lacks is an error saying so. */
export async function readEmbeddedGenerator(source: string): Promise<Uint8Array> {
  return readEmbeddedFile(embeddedGeneratorUrl(source), source);
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

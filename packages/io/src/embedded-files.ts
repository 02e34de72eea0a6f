/**
 * Small trained models shipped inside a package's `embedded/` folder, loadable by name
 * (`embedded:shapes32`). Each package resolves its own folder from its module URL and keeps its own
 * table of names; the naming, the folder override and reading the bytes live here, once.
 *
 * `STYLEGPU_EMBEDDED_DIR` (Node) points every name at another folder holding files of the same names
 * (tests, or weights kept outside node_modules).
 */

export const EMBEDDED_PREFIX = 'embedded:';

export function isEmbeddedName(source: string): boolean {
  return source.startsWith(EMBEDDED_PREFIX);
}

/** The folder names resolve in: STYLEGPU_EMBEDDED_DIR when set (Node), else the package's own folder. */
export function embeddedFolder(packageFolder: URL): URL {
  const dir = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.STYLEGPU_EMBEDDED_DIR;
  return dir ? directoryUrl(dir) : packageFolder;
}

/**
 * `embedded:<name>` → the URL of its file in `table`; an unknown name throws listing the known ones.
 * `what` names the kind of model in the message ("generator", "CLIP model", …).
 */
export function embeddedFileUrl(source: string, table: Readonly<Record<string, string>>, packageFolder: URL, what: string): URL {
  const name = source.slice(EMBEDDED_PREFIX.length);
  const file = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!isEmbeddedName(source) || file === undefined) {
    const known = Object.keys(table).map((n) => EMBEDDED_PREFIX + n);
    throw new Error(`'${source}' is not an embedded ${what}; the embedded ${what}s are ${known.join(', ')}`);
  }
  return new URL(file, embeddedFolder(packageFolder));
}

export function missingEmbeddedFile(source: string, url: URL): Error {
  return new Error(`${source}: ${url.href} is not there; this copy of the package ships without it (embedded/README.md gives the command that trains it)`);
}

/** Reads an embedded file with fetch (browsers; Node's entry reads file: URLs from disk instead). */
export async function fetchEmbeddedFile(url: URL, source: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (response.status === 404) throw missingEmbeddedFile(source, url);
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

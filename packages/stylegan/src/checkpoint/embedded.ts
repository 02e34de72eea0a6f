/**
 * Generators shipped inside this package, loadable by name: `Generator.load(rt, 'embedded:shapes32')`
 * (and `loadStyleGanCheckpoint`) read `embedded/shapes32.safetensors` from the package folder —
 * from disk in Node, with `fetch` in a browser. embedded/README.md says which run produced each file.
 *
 * `STYLEGPU_EMBEDDED_DIR` (Node) points the names at another folder holding files of the same
 * names (tests, or weights kept outside node_modules).
 */
import { EMBEDDED_PREFIX, embeddedFileUrl, isEmbeddedName, readEmbeddedFile } from '@stylegpu/io';
import { EMBEDDED_FOLDER } from '../embedded-folder.js';

export { EMBEDDED_PREFIX, isEmbeddedName, readEmbeddedFile };

/** Name (after `embedded:`) → file in embedded/. */
export const EMBEDDED_GENERATORS: Readonly<Record<string, string>> = {
  shapes32: 'shapes32.safetensors',
};

/** `embedded:<name>` → the URL of its file; an unknown name throws listing the known ones. */
export function embeddedGeneratorUrl(source: string): URL {
  return embeddedFileUrl(source, EMBEDDED_GENERATORS, EMBEDDED_FOLDER, 'generator');
}

/** The bytes of an embedded generator; a file this copy of the package lacks is an error saying so. */
export async function readEmbeddedGenerator(source: string): Promise<Uint8Array> {
  return readEmbeddedFile(embeddedGeneratorUrl(source), source);
}

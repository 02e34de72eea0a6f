/** Node: an embedded file at a file: URL is read from disk; any other URL is fetched. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetchEmbeddedFile, missingEmbeddedFile } from './embedded-files.js';

export async function readEmbeddedFile(url: URL, source: string): Promise<Uint8Array> {
  if (url.protocol !== 'file:') return fetchEmbeddedFile(url, source);
  try {
    const buf = await readFile(fileURLToPath(url));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw missingEmbeddedFile(source, url);
    throw e;
  }
}

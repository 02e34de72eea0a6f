/**
 * Node-only file helpers (everything else in @stylegpu/io takes and returns Uint8Array so it also runs in browsers).
 *
 * `writeFileAtomic` never leaves a half-written file under the target name: it writes a temporary file in the same
 * folder (rename is only atomic within one file system), flushes it to disk with fsync, then renames it over the
 * target. A crash or kill mid-write leaves either the old file or the new one, plus at worst a stray temp file.
 */

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function readFileBytes(path: string): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  // Make the rename itself durable: fsync the folder's entry (not possible on every platform, so best effort).
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Windows cannot open a directory for fsync; the rename has still happened.
  }
}

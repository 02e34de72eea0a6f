/**
 * Checks on the paths a command is given, run before any GPU work and before anything is written,
 * each failing with a CliError that names the flag, the path, why, and what to do.
 */
import { constants } from 'node:fs';
import { access, open, readFile, readdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError, fsReason } from './cli-error.js';

export interface InputCheck {
  /** What a path may be: a file (default), a folder, or either (Hugging Face model folders). */
  accept?: 'file' | 'folder' | 'either';
}

/** The path exists, is readable, is of the accepted kind and, if a file, is not empty. */
export async function checkInput(what: string, path: string, { accept = 'file' }: InputCheck = {}): Promise<'file' | 'folder'> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new CliError(what, path, fsReason(e), 'check the path');
  }
  if (info.isDirectory()) {
    if (accept === 'file') throw new CliError(what, path, 'is a folder, not a file', 'give the file itself');
    try {
      await readdir(path);
    } catch (e) {
      throw new CliError(what, path, `cannot list the folder: ${fsReason(e)}`, 'check its permissions');
    }
    return 'folder';
  }
  if (accept === 'folder') throw new CliError(what, path, 'is a file, not a folder', 'give a folder');
  if (!info.isFile()) throw new CliError(what, path, 'is not a regular file', 'give a file');
  try {
    await (await open(path, 'r')).close();
  } catch (e) {
    throw new CliError(what, path, `cannot open it: ${fsReason(e)}`, 'check its permissions');
  }
  if (info.size === 0) {
    throw new CliError(what, path, 'the file is empty (0 bytes)', 'it was probably cut short by a failed download or copy: get it again');
  }
  return 'file';
}

/** checkInput, then the file's bytes. */
export async function readInput(what: string, path: string): Promise<Uint8Array> {
  await checkInput(what, path);
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new CliError(what, path, `cannot read it: ${fsReason(e)}`, 'check the file and its permissions');
  }
}

/** checkInput, then the first `n` bytes of the file (enough to tell what it holds, without reading a large model twice). */
export async function readHead(what: string, path: string, n = 512): Promise<Uint8Array> {
  await checkInput(what, path);
  try {
    const handle = await open(path, 'r');
    try {
      const buf = new Uint8Array(n);
      const { bytesRead } = await handle.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new CliError(what, path, `cannot read it: ${fsReason(e)}`, 'check the file and its permissions');
  }
}

/**
 * A folder outputs can go to: it exists and is writable, or it can be created (its nearest existing
 * ancestor is a writable folder). Nothing is created here.
 */
export async function checkOutputFolder(what: string, dir: string): Promise<void> {
  const existing = await nearestExisting(what, dir);
  if (existing.path === resolve(dir)) {
    if (!existing.isDirectory) throw new CliError(what, dir, 'exists and is a file, not a folder', 'choose another folder or move the file away');
  } else if (!existing.isDirectory) {
    throw new CliError(what, dir, `cannot create it: ${existing.path} is a file, not a folder`, 'choose another folder');
  }
  try {
    await access(existing.path, constants.W_OK | constants.X_OK);
  } catch {
    throw new CliError(what, dir, `cannot write in ${existing.path}: permission denied`, 'choose a folder you can write to');
  }
}

/** A file an output can be written to (atomically, beside it): not a folder, in an existing writable folder. */
export async function checkOutputFile(what: string, file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) throw new CliError(what, file, 'is a folder', 'give a file name (for example inside that folder)');
  const parent = dirname(resolve(file));
  const p = await stat(parent).catch(() => null);
  if (!p) throw new CliError(what, file, `the folder ${parent} does not exist`, 'create it first or choose another path');
  if (!p.isDirectory()) throw new CliError(what, file, `${parent} is a file, not a folder`, 'choose another path');
  try {
    await access(parent, constants.W_OK | constants.X_OK);
  } catch {
    throw new CliError(what, file, `cannot write in ${parent}: permission denied`, 'choose a folder you can write to');
  }
}

async function nearestExisting(what: string, path: string): Promise<{ path: string; isDirectory: boolean }> {
  let p = resolve(path);
  for (;;) {
    let info = null;
    try {
      info = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new CliError(what, path, fsReason(e), 'check the path');
    }
    if (info) return { path: p, isDirectory: info.isDirectory() };
    const up = dirname(p);
    if (up === p) return { path: p, isDirectory: true };
    p = up;
  }
}

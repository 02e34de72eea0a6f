/**
 * An output folder that can take back what a failed command wrote: every file goes in atomically
 * (temp + fsync + rename), and `discard()` removes the files this run created and the folders it
 * made, so an error part-way leaves no partial output behind. Files that existed before are left
 * alone (an overwritten one keeps its new content: it is complete, never half-written).
 */
import { existsSync } from 'node:fs';
import { mkdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@stylegpu/io';
import { CliError, fsReason } from './cli-error.js';

export class OutputFolder {
  private readonly created: string[] = [];
  private readonly createdFolders: string[] = [];

  private constructor(
    readonly what: string,
    readonly dir: string,
  ) {}

  /** Creates the folder (and missing parents), remembering which it made. */
  static async open(what: string, dir: string): Promise<OutputFolder> {
    const out = new OutputFolder(what, dir);
    const missing: string[] = [];
    for (let p = resolve(dir); !existsSync(p); p = dirname(p)) missing.unshift(p);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new CliError(what, dir, `cannot create the folder: ${fsReason(e)}`, 'choose another folder');
    }
    out.createdFolders.push(...missing);
    return out;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const file = join(this.dir, name);
    const isNew = !existsSync(file);
    try {
      await writeFileAtomic(file, bytes);
    } catch (e) {
      throw new CliError(this.what, file, `cannot write it: ${fsReason(e)}`, 'check the free space and permissions');
    }
    if (isNew) this.created.push(file);
  }

  /** Removes what this run created; best effort (a failure to clean up must not hide the real error). */
  async discard(): Promise<void> {
    for (const f of this.created.splice(0)) await unlink(f).catch(() => {});
    for (const d of this.createdFolders.splice(0).reverse()) await rmdir(d).catch(() => {});
  }
}

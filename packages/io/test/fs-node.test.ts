import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileBytes, writeFileAtomic } from '../src/fs-node.js';

describe('fs-node', () => {
  it('writes atomically: the target gets the new bytes and no temp file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-io-'));
    const path = join(dir, 'w.npy');
    writeFileSync(path, 'old contents');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    await writeFileAtomic(path, bytes);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(await readFileBytes(path)).toEqual(bytes);
    expect(readdirSync(dir)).toEqual(['w.npy']);
  });

  it('leaves no partial or temp file when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-io-'));
    const target = join(dir, 'occupied');
    mkdirSync(target); // renaming a file over a directory fails
    writeFileSync(join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('fails clearly for a missing folder', async () => {
    await expect(writeFileAtomic(join(tmpdir(), 'no-such-dir-stylegpu', 'x.bin'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
    await expect(readFileBytes(join(tmpdir(), 'no-such-file-stylegpu'))).rejects.toThrow(/ENOENT/);
  });
});

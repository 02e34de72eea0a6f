/** OutputFolder takes back what a failed command wrote: its new files and the folders it made, nothing else. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputFolder } from '../src/output-folder.js';

describe('OutputFolder', () => {
  it('discard removes the files it wrote and the folders it created', async () => {
    const root = mkdtempSync(join(tmpdir(), 'outfolder-'));
    const dir = join(root, 'a', 'b', 'c');
    const out = await OutputFolder.open('test --outdir', dir);
    await out.write('x.png', Uint8Array.of(1, 2, 3));
    await out.write('y.png', Uint8Array.of(4));
    expect(readdirSync(dir).sort()).toEqual(['x.png', 'y.png']);
    await out.discard();
    expect(readdirSync(root)).toEqual([]);
  });

  it('leaves a folder that existed and the files that were there before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outfolder-'));
    writeFileSync(join(dir, 'keep.png'), 'old');
    writeFileSync(join(dir, 'theirs.txt'), 'not ours');
    const out = await OutputFolder.open('test --outdir', dir);
    await out.write('keep.png', new TextEncoder().encode('new'));
    await out.write('new.png', Uint8Array.of(9));
    await out.discard();
    expect(readdirSync(dir).sort()).toEqual(['keep.png', 'theirs.txt']);
    // Overwritten atomically: complete new content, never half a file.
    expect(readFileSync(join(dir, 'keep.png'), 'utf8')).toBe('new');
  });

  it('keeps a created folder that someone else put files in meanwhile', async () => {
    const root = mkdtempSync(join(tmpdir(), 'outfolder-'));
    const dir = join(root, 'made');
    const out = await OutputFolder.open('test --outdir', dir);
    await out.write('ours.png', Uint8Array.of(1));
    mkdirSync(join(dir, 'sub'));
    await out.discard();
    expect(existsSync(join(dir, 'ours.png'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['sub']);
  });

  it('names the folder when it cannot be created', async () => {
    const root = mkdtempSync(join(tmpdir(), 'outfolder-'));
    writeFileSync(join(root, 'file'), 'x');
    await expect(OutputFolder.open('test --outdir', join(root, 'file', 'sub'))).rejects.toThrow(/^test --outdir \S+sub: cannot create the folder: .+; choose another folder$/);
  });
});

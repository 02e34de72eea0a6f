/**
 * Embedded generators by name: `embedded:shapes32` resolves in the folder STYLEGPU_EMBEDDED_DIR
 * names (here a temporary one holding a real checkpoint), loads as that checkpoint, and unknown or
 * absent names are refused with the list of names or the missing file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '@stylegpu/kernels';
import { EMBEDDED_FOLDER } from '../src/embedded-folder.js';
import { Generator, embeddedGeneratorUrl, loadStyleGanCheckpoint, parseStyleGanCheckpoint, saveStyleGanCheckpoint } from '../src/index.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'g16_nvidia.pkl');
const before = process.env.STYLEGPU_EMBEDDED_DIR;
afterEach(() => {
  if (before === undefined) delete process.env.STYLEGPU_EMBEDDED_DIR;
  else process.env.STYLEGPU_EMBEDDED_DIR = before;
});

describe('embedded generators', () => {
  it("resolve to the package's embedded/ folder by default", () => {
    delete process.env.STYLEGPU_EMBEDDED_DIR;
    expect(fileURLToPath(embeddedGeneratorUrl('embedded:shapes32'))).toBe(join(import.meta.dirname, '..', 'embedded', 'shapes32.safetensors'));
    expect(fileURLToPath(EMBEDDED_FOLDER)).toBe(join(import.meta.dirname, '..', 'embedded') + '/');
  });

  it('load by name from the folder STYLEGPU_EMBEDDED_DIR names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-'));
    const ckpt = parseStyleGanCheckpoint(new Uint8Array(readFileSync(FIXTURE)));
    writeFileSync(join(dir, 'shapes32.safetensors'), saveStyleGanCheckpoint(ckpt));
    process.env.STYLEGPU_EMBEDDED_DIR = dir;
    expect(fileURLToPath(embeddedGeneratorUrl('embedded:shapes32'))).toBe(join(dir, 'shapes32.safetensors'));
    const loaded = await loadStyleGanCheckpoint('embedded:shapes32');
    expect(loaded.config.generator).toEqual(ckpt.config.generator);
    for (const [name, t] of ckpt.generator) expect(loaded.generator.get(name)?.data, name).toEqual(t.data);
    const rt = await createRuntime();
    try {
      const G = await Generator.load(rt, 'embedded:shapes32');
      expect(G.config.imgResolution).toBe(16);
      G.dispose();
    } finally {
      rt.destroy();
    }
  });

  it('refuse unknown names with the list, and absent files naming the file', async () => {
    expect(() => embeddedGeneratorUrl('embedded:faces1024')).toThrow("'embedded:faces1024' is not an embedded generator; the embedded generators are embedded:shapes32");
    await expect(Generator.load(null as never, 'embedded:nope')).rejects.toThrow(/embedded generators are embedded:shapes32/);
    process.env.STYLEGPU_EMBEDDED_DIR = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-empty-'));
    await expect(loadStyleGanCheckpoint('embedded:shapes32')).rejects.toThrow(/embedded:shapes32: file:.*shapes32\.safetensors is not there; .*embedded\/README\.md/);
  });
});

// The built package, as a user imports it (dist through the `exports` map), not the sources.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as io from '@stylegpu/io';
import * as testing from '@stylegpu/io/testing';

const req = createRequire(import.meta.url);
/** The only packages the browser entry may import (pngjs, jpeg-js and Node's modules are the Node entry's). */
const BROWSER_SAFE = ['fflate'];

describe('@stylegpu/io as installed', () => {
  it('round-trips a safetensors file and a PNG through the Node entry', () => {
    const w = io.hostTensor('f32', [2, 3], Float32Array.of(1, -2, 3.5, 0, 1e-3, 7));
    const back = io.readSafetensors(io.writeSafetensors({ w })).tensors.get('w')!;
    expect([back.dtype, back.shape]).toEqual(['f32', [2, 3]]);
    expect(Array.from(io.toFloat32(back))).toEqual(Array.from(w.data as Float32Array));
    const image = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
    const decoded = io.decodePng(io.encodePng(image));
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([3, 2, 3]);
    expect(Array.from(decoded.data)).toEqual(Array.from(image.data));
  });

  it('exposes the fuzz harness at /testing', () => {
    expect(typeof testing.fuzz).toBe('function');
    expect(testing.mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
  });

  it('depends on no GPU package, and its browser entry on no Node module or Node-only codec', async () => {
    const manifestPath = req.resolve('@stylegpu/io/package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(deps.filter((d) => d.startsWith('@stylegpu/') || d === 'webgpu' || d.startsWith('@webgpu/'))).toEqual([]);
    const dir = manifestPath.replace(/package\.json$/, '');
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = await readFile(file, 'utf8');
      for (const m of src.matchAll(/from\s*['"]([^'"]+)['"]/g)) {
        // The build drops `node:` prefixes, so bare imports are checked against what a browser can load.
        if (m[1].startsWith('./')) await visit(new URL(m[1], `file://${file}`).pathname);
        else expect(BROWSER_SAFE, `${file} imports '${m[1]}'`).toContain(m[1]);
      }
    };
    await visit(dir + manifest.exports['.'].browser.replace(/^\.\//, ''));
    expect(seen.size).toBeGreaterThan(1);
  });
});

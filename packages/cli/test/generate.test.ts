import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng, readNpy, readSafetensors, toFloat32, writeNpy } from '@stylegpu/io';
import { loadStyleGanCheckpoint } from '@stylegpu/stylegan';
import { runConvert } from '../src/commands/convert.js';
import { buildProgram } from '../src/program.js';
import { toUint8Hwc } from '../src/to-uint8.js';

const fixtures = join(import.meta.dirname, '..', '..', 'stylegan', 'fixtures');
const network = join(fixtures, 'g16_nvidia.pkl');
const expected = readSafetensors(readFileSync(join(fixtures, 'expected', 'g16.safetensors'))).tensors;
const exp = (k: string) => toFloat32(expected.get(k)!);
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);

describe('stylegpu generate', () => {
  it('writes seed%04d.png as generate.py does, a grid and the ws', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-gen-'));
    await run(['generate', '--network', network, '--seeds', '0-2', '--outdir', out, '--grid', '--save-ws', '--batch', '2']);
    expect(readdirSync(out).sort()).toEqual(['grid.png', 'seed0000.png', 'seed0001.png', 'seed0002.png', 'ws.npy']);
    for (const seed of [0, 1, 2]) {
      const png = decodePng(readFileSync(join(out, `seed${String(seed).padStart(4, '0')}.png`)));
      expect([png.width, png.height, png.channels]).toEqual([16, 16, 3]);
      const want = toUint8Hwc(exp(`seed${seed}.img.psi1.const`), 3, 16, 16);
      // Truncation to uint8 can flip by one where the float lands within rounding of an integer.
      let off = 0;
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(png.data[i] - want[i])).toBeLessThanOrEqual(1);
        off += +(png.data[i] !== want[i]);
      }
      expect(off).toBeLessThan(4);
    }
    const ws = readNpy(readFileSync(join(out, 'ws.npy')));
    expect(ws.shape).toEqual([3, 6, 32]);
    const w = toFloat32(ws);
    const w1 = exp('seed1.ws.psi1');
    for (let i = 0; i < w1.length; i++) expect(w[6 * 32 + i]).toBeCloseTo(w1[i], 5);
    const grid = decodePng(readFileSync(join(out, 'grid.png')));
    expect([grid.width, grid.height]).toEqual([32, 32]); // 3 images in a 2×2 grid
  });

  it('synthesises from --projected-w (.npy) with truncation ignored, as proj%02d.png', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stylegpu-proj-'));
    const wsFile = join(out, 'w.npy');
    writeFileSync(wsFile, writeNpy({ dtype: 'f32', shape: [1, 6, 32], data: exp('seed0.ws.psi0.7') }));
    await run(['generate', '--network', network, '--projected-w', wsFile, '--outdir', out]);
    const png = decodePng(readFileSync(join(out, 'proj00.png')));
    const want = toUint8Hwc(exp('seed0.img.psi0.7.const'), 3, 16, 16);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(png.data[i] - want[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('refuses bad input before writing anything', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'stylegpu-bad-')), 'never');
    await expect(run(['generate', '--network', network, '--seeds', '1,x', '--outdir', out])).rejects.toThrow(/'x' in '1,x' is not a seed/);
    await expect(run(['generate', '--network', join(fixtures, 'nope.pkl'), '--seeds', '1', '--outdir', out])).rejects.toThrow(/nope\.pkl/);
    const bad = join(mkdtempSync(join(tmpdir(), 'stylegpu-w-')), 'w.npy');
    writeFileSync(bad, writeNpy({ dtype: 'f32', shape: [1, 5, 32], data: new Float32Array(160) }));
    await expect(run(['generate', '--network', network, '--projected-w', bad, '--outdir', out])).rejects.toThrow(/shape \[1, 5, 32\].*\[N, 6, 32\]/);
    await expect(run(['generate', '--network', join(fixtures, 'unknown_global.pkl'), '--seeds', '1', '--outdir', out])).rejects.toThrow(/global/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('stylegpu convert', () => {
  it('NVIDIA .pkl → stylegpu .safetensors and → rosinality .pt keep every tensor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-conv-'));
    const original = await loadStyleGanCheckpoint(network);
    for (const name of ['g.safetensors', 'g.pt']) {
      await run(['convert', network, join(dir, name)]);
      const back = await loadStyleGanCheckpoint(join(dir, name));
      // rosinality files carry no conv_clamp / w_avg_beta / fp16 settings: compare what the layout can hold.
      const g = back.config.generator;
      const o = original.config.generator;
      expect([g.zDim, g.wDim, g.imgResolution, g.mapping.numLayers, g.synthesis.channels]).toEqual([o.zDim, o.wDim, o.imgResolution, o.mapping.numLayers, o.synthesis.channels]);
      if (name.endsWith('.safetensors')) expect(g).toEqual(o);
      for (const [k, t] of original.generator) expect(Array.from(toFloat32(back.generator.get(k)!)), k).toEqual(Array.from(toFloat32(t)));
    }
  });

  it('rejects an unknown output type and unreadable input, leaving no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-conv-bad-'));
    await expect(runConvert(network, join(dir, 'g.txt'))).rejects.toThrow(/g\.txt: has an unknown extension; end it in \.safetensors/);
    await expect(runConvert(join(fixtures, 'tf_era.pkl'), join(dir, 'g.safetensors'))).rejects.toThrow(/neither a StyleGAN2 checkpoint/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

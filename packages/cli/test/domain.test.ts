/**
 * `stylegpu domain apply|mix|prune|morph` on the fixture generator and the StyleDomain-layout
 * direction fixture: outputs checked against the library computed here and against hand arithmetic.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { directionFromFile, readStyleDomainDirection, renderWithDirections } from '@stylegpu/adapt';
import { stripPng } from '@stylegpu/adapt/node';
import { buildProgram } from '../src/program.js';
import { NO_GPU_ENV, stylegpu } from './run-cli.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G = join(pkgs, 'stylegan', 'fixtures', 'g16_rosinality.pt');
const G32 = join(pkgs, 'stylegan', 'fixtures', 'g32_rosinality.pt');
const DIR = join(pkgs, 'adapt', 'fixtures', 'sdelta_g16_td.pt');
const NADA = join(pkgs, 'adapt', 'fixtures', 'nada_g16.pt');
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const readDir = (p: string) => readStyleDomainDirection(new Uint8Array(readFileSync(p)));

describe('stylegpu domain', () => {
  it('apply: strip.png equals the library’s images from α = 0 to the power, and a GIF', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dom-'));
    await run(['domain', 'apply', '--ckpt', G, '--direction', DIR, '--power', '0.8', '--seeds', '1,2', '--trunc', '1', '--steps', '3', '--gif', '--outdir', out]);
    const png = decodePng(new Uint8Array(readFileSync(join(out, 'strip.png'))));
    expect([png.width, png.height]).toEqual([3 * 16, 2 * 16]);
    expect(new TextDecoder().decode(readFileSync(join(out, 'morph.gif')).subarray(0, 6))).toBe('GIF89a');
    const rt = await createRuntime();
    const g = await Generator.load(rt, G);
    try {
      const d = directionFromFile(readDir(DIR), g);
      const rows = [];
      for (const seed of [1, 2]) {
        const row = [];
        for (const a of [0, 0.4, 0.8]) {
          const img = rt.tidy(() => renderWithDirections(g, g.mapping(rt.tensor(Float32Array.from(randomStateRandn(seed, g.config.zDim)), [1, g.config.zDim])), [{ direction: d, power: a }]));
          row.push(Float32Array.from(await img.read()));
          img.dispose();
        }
        rows.push(row);
      }
      expect(Buffer.from(readFileSync(join(out, 'strip.png'))).equals(Buffer.from(stripPng(rows, 16)))).toBe(true);
    } finally {
      g.dispose();
      rt.destroy();
    }
  });

  it('mix writes Σ c_k·Δ_k (hand float64), prune zeroes ⌊p·N⌋ entries', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dom-mix-'));
    const pruned = join(out, 'pruned.pt');
    await run(['domain', 'prune', '--direction', DIR, '--perc', '0.5', '--output', pruned]);
    const p = readDir(pruned);
    const zeros = p.heads.reduce((n, h) => n + h.filter((v) => v === 0).length, 0);
    expect(zeros).toBe(20); // 5 heads × 8
    const mixed = join(out, 'mixed.pt');
    await run(['domain', 'mix', '--direction', DIR, '--direction', pruned, '--weights', '0.3,-1.7', '--output', mixed]);
    const a = readDir(DIR);
    const m = readDir(mixed);
    m.heads.forEach((h, i) => expect(Array.from(h)).toEqual(Array.from(a.heads[i], (v, j) => Math.fround(0.3 * v - 1.7 * p.heads[i][j]))));
  });

  it('morph: identical endpoints give identical columns; a generator and its NADA-adapted file (no latent_avg) differ', async () => {
    const col = (png: ReturnType<typeof decodePng>, c: number) => Array.from({ length: 16 * 16 }, (_, k) => png.data[(Math.floor(k / 16) * png.width + c * 16 + (k % 16)) * png.channels]);
    const same = mkdtempSync(join(tmpdir(), 'dom-morph-'));
    await run(['domain', 'morph', '--ckpt', G, '--ckpt2', G, '--direction', DIR, '--power', '0.5', '--steps', '4', '--outdir', same]);
    const a = decodePng(new Uint8Array(readFileSync(join(same, 'strip.png'))));
    expect([a.width, a.height]).toEqual([4 * 16, 16]);
    expect(col(a, 3)).toEqual(col(a, 0));
    const cross = mkdtempSync(join(tmpdir(), 'dom-morph2-'));
    await run(['domain', 'morph', '--ckpt', G, '--ckpt2', NADA, '--steps', '4', '--trunc', '1', '--outdir', cross]);
    const b = decodePng(new Uint8Array(readFileSync(join(cross, 'strip.png'))));
    expect(col(b, 3)).not.toEqual(col(b, 0));
    expect(new TextDecoder().decode(readFileSync(join(cross, 'morph.gif')).subarray(0, 6))).toBe('GIF89a');
  });

  it('refuses a direction for another generator, bad numbers and non-direction files, naming the flag', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dom-bad-'));
    await expect(run(['domain', 'apply', '--ckpt', G32, '--direction', DIR, '--outdir', out])).rejects.toThrow(
      /domain apply --direction .*sdelta_g16_td\.pt: the direction was trained on a 16-px generator; this one is 32 px/,
    );
    // through the binary where no GPU exists: the direction is checked before the GPU is opened
    const r = stylegpu(['domain', 'apply', '--ckpt', G32, '--direction', DIR, '--outdir', join(out, 'never')], { env: NO_GPU_ENV });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('stylegpu:'))).toEqual([
      `stylegpu: domain apply --direction ${DIR}: the direction was trained on a 16-px generator; this one is 32 px; use the generator the direction was trained for (or one fine-tuned from it)`,
    ]);
    await expect(run(['domain', 'prune', '--direction', DIR, '--perc', '2', '--output', join(out, 'x.pt')])).rejects.toThrow(/domain prune --perc '2': is not a valid value; give a number in \[0, 1\]/);
    await expect(run(['domain', 'mix', '--direction', DIR, '--weights', '1,2', '--output', join(out, 'y.pt')])).rejects.toThrow(/1 directions but 2 weights/);
    const junk = join(out, 'junk.pt');
    writeFileSync(junk, 'not a checkpoint');
    await expect(run(['domain', 'prune', '--direction', junk, '--perc', '0.5', '--output', join(out, 'z.pt')])).rejects.toThrow(/domain prune --direction .*junk\.pt: .*give a StyleDomain s_delta direction file/);
    await expect(run(['domain', 'prune', '--direction', NADA, '--perc', '0.5', '--output', join(out, 'z.pt')])).rejects.toThrow(/model_type is null, expected 'parametrization'/);
  });
});

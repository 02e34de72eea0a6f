/**
 * `stylegpu adapt styledomain` on the 16-px fixture generator and the tiny CLIP: an s_delta run
 * writes a direction file in StyleDomain's layout, a weight parameterisation a NADA-layout
 * generator; bad flags are refused with one line naming the flag.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toFloat32 } from '@stylegpu/kernels';
import { loadStyleGanCheckpoint } from '@stylegpu/stylegan';
import { readStyleDomainDirection } from '@stylegpu/adapt';
import { buildProgram } from '../src/program.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const CLIP = join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf');
const VOCAB = join(pkgs, 'clip', 'fixtures', 'hf-tiny');
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const base = (out: string) => [
  'adapt', 'styledomain', '--ckpt', G, '--source-class', 'photo', '--target-class', 'sketch',
  '--visual-encoders', CLIP, '--clip-vocab', VOCAB, '--iter-num', '2', '--batch-size', '2', '--mixing-noise', '0', '--output-dir', out,
];

describe('stylegpu adapt styledomain', () => {
  it('s_delta (default): writes models_2.pt in the official layout with trained heads, and samples.png', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-'));
    await run(base(out));
    const f = readStyleDomainDirection(new Uint8Array(readFileSync(join(out, 'models_2.pt'))));
    expect(f.heads).toHaveLength(5);
    expect(f.heads.every((h) => h.length === 8 && h.some((v) => v !== 0))).toBe(true);
    expect(existsSync(join(out, 'samples.png'))).toBe(true);
  });

  it('affine_plus: writes a NADA-layout generator whose affines and 16-px kernels moved, ToRGB kernels at 8 px not', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-ap-'));
    await run([...base(out), '--patch-key', 'affine_plus', '--kernel-res', '16', '--lr', '0.002']);
    const adapted = await loadStyleGanCheckpoint(join(out, 'checkpoint', '000002.pt'));
    const original = await loadStyleGanCheckpoint(G);
    const same = (k: string) => Array.from(toFloat32(adapted.generator.get(k)!)).every((v, i) => v === toFloat32(original.generator.get(k)!)[i]);
    expect(same('synthesis.b8.conv1.affine.weight')).toBe(false);
    expect(same('synthesis.b16.conv1.weight')).toBe(false);
    expect(same('synthesis.b8.conv1.weight')).toBe(true);
    expect(same('mapping.fc0.weight')).toBe(true);
  });

  it('refuses unknown losses and parameterisations, and a run that would train nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-bad-'));
    await expect(run([...base(out), '--loss-funcs', 'direction,l2_rec_typo', '--loss-coefs', '1,1'])).rejects.toThrow(
      /adapt styledomain --loss-funcs 'direction,l2_rec_typo': unknown loss 'l2_rec_typo'; known losses: direction, global, indomain/,
    );
    await expect(run([...base(out), '--patch-key', 'lora'])).rejects.toThrow(/--patch-key 'lora': is not a known parameterisation; use one of original, synthesis, affine, s_delta/);
    await expect(run([...base(out), '--loss-coefs', '1'])).rejects.toThrow(/2 losses but 1 coefficients/);
    // a 16-px generator has only coarse heads
    await expect(run([...base(out), '--no-coarse'])).rejects.toThrow(/the 's_delta' parameterisation trains nothing on this generator/);
    expect(existsSync(join(out, 'models_2.pt'))).toBe(false);
  });
});

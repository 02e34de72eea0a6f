/**
 * `stylegpu adapt styledomain` on the 16-px fixture generator and the tiny CLIP: an s_delta run
 * writes a direction file in StyleDomain's layout, a weight parameterisation a NADA-layout
 * generator; bad flags are refused with one line naming the flag.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng, hostTensor, toFloat32, writeNpy } from '@stylegpu/io';
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

  it('one-shot (MindTheGap-style losses): a style image and its latent drive clip_ref, clip_within and l2_rec', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-1shot-'));
    const img = join(out, 'style.png');
    writeFileSync(img, encodePng({ width: 16, height: 16, channels: 3, data: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256) }));
    const lat = join(out, 'style.npy');
    const g = await loadStyleGanCheckpoint(G);
    const { numWs, wDim } = g.config.generator;
    writeFileSync(lat, writeNpy(hostTensor('f32', [1, numWs, wDim], Float32Array.from({ length: numWs * wDim }, (_, i) => Math.sin(i)))));
    const o = join(out, 'run');
    await run([...base(o), '--loss-funcs', 'direction,clip_within,clip_ref,l2_rec', '--loss-coefs', '1,0.5,30,10', '--style-img', img, '--style-latent', lat]);
    expect(existsSync(join(o, 'models_2.pt'))).toBe(true);
    await expect(run([...base(join(out, 'r2')), '--loss-funcs', 'clip_ref', '--loss-coefs', '1'])).rejects.toThrow(/--loss-funcs 'clip_ref': clip_ref need a style image and its latent; pass --style-img and --style-latent/);
    const small = join(out, 'small.png');
    writeFileSync(small, encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(8 * 8 * 3) }));
    await expect(run([...base(join(out, 'r3')), '--loss-funcs', 'clip_ref', '--loss-coefs', '1', '--style-img', small, '--style-latent', lat])).rejects.toThrow(/--style-img .*small\.png: is 8×8, the generator makes 16×16; resize/);
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

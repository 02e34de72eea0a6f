import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng, readSafetensors, readTorchCheckpoint, toFloat32 } from '@stylegpu/io';
import { loadStyleGanCheckpoint } from '@stylegpu/stylegan';
import { buildProgram } from '../src/program.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const CLIP = join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf');
const VOCAB = join(pkgs, 'clip', 'fixtures', 'hf-tiny'); // the tiny model's 814-token vocabulary
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const base = (out: string, iter: number) => [
  'adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'photo', '--target-class', 'sketch',
  '--clip-models', CLIP, '--clip-vocab', VOCAB, '--iter', String(iter), '--batch', '2', '--lr', '0.02', '--output-dir', out, '--seed', '3',
];

describe('stylegpu adapt nada', () => {
  it('adapts end to end: sample grids, checkpoints in both layouts, readable by generate and torch-layout readers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nada-'));
    await run([...base(out, 3), '--output-interval', '1', '--save-interval', '2', '--export-rosinality']);
    expect(readdirSync(join(out, 'sample')).sort()).toEqual(['dst_000000.png', 'dst_000001.png', 'dst_000002.png']);
    expect(readdirSync(join(out, 'checkpoint')).sort()).toEqual(['000002.pt', '000002.safetensors', '000003.pt', '000003.safetensors', 'state.safetensors']);
    const adapted = await loadStyleGanCheckpoint(join(out, 'checkpoint', '000003.safetensors'));
    const original = await loadStyleGanCheckpoint(G);
    const w = 'synthesis.b16.conv1.weight';
    expect(Array.from(toFloat32(adapted.generator.get(w)!))).not.toEqual(Array.from(toFloat32(original.generator.get(w)!)));
    // ToRGB and mapping are frozen in the default phase.
    for (const k of ['synthesis.b16.torgb.weight', 'mapping.fc0.weight']) {
      expect(Array.from(toFloat32(adapted.generator.get(k)!)), k).toEqual(Array.from(toFloat32(original.generator.get(k)!)));
    }
    const ros = readTorchCheckpoint(readFileSync(join(out, 'checkpoint', '000003.pt')));
    expect((ros.root as Map<string, unknown>).has('g_ema')).toBe(true);
    await run(['generate', '--network', join(out, 'checkpoint', '000003.pt'), '--seeds', '0', '--outdir', join(out, 'gen')]);
    expect(existsSync(join(out, 'gen', 'seed0000.png'))).toBe(true);
  });

  it('a run interrupted after 2 steps and resumed ends bit-identical to an uninterrupted one', async () => {
    const straight = mkdtempSync(join(tmpdir(), 'nada-a-'));
    await run([...base(straight, 4), '--output-interval', '0', '--mixing', '0.5']);
    const resumed = mkdtempSync(join(tmpdir(), 'nada-b-'));
    await run([...base(resumed, 2), '--output-interval', '0', '--mixing', '0.5']);
    await run([...base(resumed, 4), '--output-interval', '0', '--mixing', '0.5', '--resume']);
    const a = readSafetensors(readFileSync(join(straight, 'checkpoint', '000004.safetensors'))).tensors;
    const b = readSafetensors(readFileSync(join(resumed, 'checkpoint', '000004.safetensors'))).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, t] of a) expect(Array.from(toFloat32(b.get(k)!)), k).toEqual(Array.from(toFloat32(t)));
  });

  it('adapts from a folder of target images', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nada-img-'));
    const imgs = join(out, 'style');
    mkdirSync(imgs);
    for (let i = 0; i < 2; i++) {
      const data = Uint8Array.from({ length: 40 * 40 * 3 }, (_, k) => (k * (7 + i)) % 256);
      writeFileSync(join(imgs, `t${i}.png`), encodePng({ width: 40, height: 40, channels: 3, data }));
    }
    await run(['adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'photo', '--style-img-dir', imgs, '--clip-models', CLIP, '--clip-vocab', VOCAB, '--iter', '2', '--output-dir', out, '--output-interval', '0']);
    expect(existsSync(join(out, 'checkpoint', '000002.safetensors'))).toBe(true);
  });

  it('refuses bad input with clear errors, writing nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nada-bad-')), 'never');
    await expect(run([...base(out, 2).map((a) => (a === CLIP ? 'ViT-B/32' : a))])).rejects.toThrow(/adapt nada --clip-models ViT-B\/32: unknown CLIP model: .*; stylegpu downloads nothing/);
    const empty = mkdtempSync(join(tmpdir(), 'nada-empty-'));
    await expect(run(['adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'a', '--style-img-dir', empty, '--clip-models', CLIP, '--output-dir', out])).rejects.toThrow(/holds no PNG or JPEG/);
    await expect(run(['adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'a', '--clip-models', CLIP, '--output-dir', out])).rejects.toThrow(/adapt nada: no target domain given; pass --target-class TEXT or --style-img-dir FOLDER/);
    await expect(run([...base(out, 2), '--clip-model-weights', '1,1'])).rejects.toThrow(/--clip-model-weights '1,1': 1 CLIP models but 2 weights/);
    await expect(run([...base(out, 2), '--frozen-gen-ckpt', join(pkgs, 'stylegan', 'fixtures', 'g32_rosinality.pt'), '--train-gen-ckpt', G])).rejects.toThrow(/different resolutions|differ/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('stylegpu adapt mapper', () => {
  it('trains a latent mapper on a generator and writes its weights and a before/after grid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mapper-'));
    await run(['adapt', 'mapper', '--ckpt', G, '--description', 'a sketch', '--clip-models', CLIP, '--clip-vocab', VOCAB, '--iter', '2', '--lr', '0.05', '--no-fine-mapper', '--output-dir', out]);
    expect(readdirSync(out).sort()).toEqual(['mapper.safetensors', 'mapper_samples.png']);
    const names = [...readSafetensors(readFileSync(join(out, 'mapper.safetensors'))).tensors.keys()];
    expect(names).toContain('course_mapping.mapping.1.weight');
    expect(names.some((n) => n.startsWith('fine_mapping'))).toBe(false);
    await expect(run(['adapt', 'mapper', '--ckpt', G, '--description', 'x', '--clip-models', 'ViT-L/14', '--output-dir', out])).rejects.toThrow(/adapt mapper --clip-models ViT-L\/14: unknown CLIP model/);
  });
});

/**
 * A NADA run whose loss or weights stop being finite stops with exit status 1 and a message naming
 * the step and the loss term (or the parameter), and leaves its last good checkpoint as it was.
 * The divergence is produced through real flags, not a test hook:
 *   - `--lambda-direction 1e20 --clip-model-weights 1e20`: the directional term is L·1e20·1e20 with
 *     L ≈ 1 at step 0, past float32's 3.4e38, so it is +Infinity at step 0;
 *   - resuming with `--lr 1e20`: Adam's steps are about lr in size, so the weights blow up within a
 *     few steps (clamps in the generator can keep the loss finite; the check at each checkpoint,
 *     which reads the weights back anyway, then catches them).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, toFloat32 } from '@stylegpu/io';
import { loadStyleGanCheckpoint } from '@stylegpu/stylegan';
import { FIXTURES, stderrLines, stylegpu } from './run-cli.js';

const nada = (out: string, ...extra: string[]) => [
  'adapt', 'nada',
  '--frozen-gen-ckpt', FIXTURES.generator, '--source-class', 'photo', '--target-class', 'sketch',
  '--clip-models', FIXTURES.clip, '--clip-vocab', FIXTURES.vocab,
  '--batch', '2', '--seed', '3', '--output-interval', '0', '--output-dir', out, ...extra,
];
const checkpoints = (out: string) => readdirSync(join(out, 'checkpoint')).filter((f) => /^\d{6}\.safetensors$/.test(f)).sort();

describe('stylegpu adapt nada, diverging', () => {
  it('an infinite loss term stops the run at step 0, naming the term, exit 1, no checkpoint', () => {
    const out = mkdtempSync(join(tmpdir(), 'nada-inf-'));
    const r = stylegpu(nada(out, '--iter', '5', '--lambda-direction', '1e20', '--clip-model-weights', '1e20'));
    expect(r.status, r.stderr).toBe(1);
    expect(stderrLines(r).at(-1)).toBe(
      'stylegpu: adapt nada: the directional CLIP loss of CLIP model hf became Infinity at step 0, training stopped; ' +
        'no checkpoint had been written; lower the learning rate or the loss weights and start again',
    );
    expect(checkpoints(out)).toEqual([]);
    expect(existsSync(join(out, 'checkpoint', 'state.safetensors'))).toBe(false);
  });

  it('weights blown up by --lr 1e20 after a resume: stops naming the step, keeps the last good checkpoint and its state intact', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nada-nan-'));
    const good = stylegpu(nada(out, '--iter', '2', '--lr', '0.02'));
    expect(good.status, good.stderr).toBe(0);
    const firstCheckpoint = readFileSync(join(out, 'checkpoint', '000002.safetensors'));

    const r = stylegpu(nada(out, '--iter', '12', '--lr', '1e20', '--save-interval', '1', '--resume'));
    expect(r.status, r.stderr).toBe(1);
    const line = stderrLines(r).at(-1)!;
    const m =
      /^stylegpu: adapt nada: the (?:weight \S+ holds (?:NaN|-?Infinity) after (\d+) steps \(found when saving a checkpoint\)|.+ became (?:NaN|-?Infinity) at step (\d+)), training stopped; the last good checkpoint is (\S+) \(step (\d+)\); lower the learning rate and go on from it with resume \(--resume\)$/.exec(
        line,
      );
    expect(m, line).not.toBeNull();
    const failedAt = Number(m![1] ?? m![2]);
    const lastGood = m![3];
    const lastGoodStep = Number(m![4]);
    expect(failedAt).toBeGreaterThan(lastGoodStep);
    expect(lastGoodStep).toBeGreaterThanOrEqual(2);
    expect(lastGood).toBe(join(out, 'checkpoint', `${String(lastGoodStep).padStart(6, '0')}.safetensors`));

    // Nothing after the last good checkpoint was written, and the resume state names it.
    expect(checkpoints(out).at(-1)).toBe(`${String(lastGoodStep).padStart(6, '0')}.safetensors`);
    const state = readSafetensors(readFileSync(join(out, 'checkpoint', 'state.safetensors')));
    expect(state.metadata?.step).toBe(String(lastGoodStep));
    expect(state.metadata?.checkpoint).toBe(`${String(lastGoodStep).padStart(6, '0')}.safetensors`);
    // The last good checkpoint loads and is finite; the one written before the resume is byte for byte as it was.
    const ckpt = await loadStyleGanCheckpoint(lastGood);
    for (const [name, t] of ckpt.generator) expect(toFloat32(t).every(Number.isFinite), name).toBe(true);
    expect(readFileSync(join(out, 'checkpoint', '000002.safetensors')).equals(firstCheckpoint)).toBe(true);
  });
});

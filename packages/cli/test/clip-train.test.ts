/**
 * `stylegpu clip train` through the built binary at toy scale: clip.safetensors and
 * clip.vocab.json written and loadable together (also as an embedded model), the zero-shot lines,
 * and bad flags refused with one line before the GPU is opened.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '@stylegpu/kernels';
import { loadClip, loadClipCheckpoint, WordTokenizer } from '@stylegpu/clip/node';
import { NO_GPU_ENV, listTree, stderrLines, stylegpu } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stylegpu-clip-train-'));
const tiny = ['--resolution', '16', '--batch', '8', '--width', '16', '--layers', '1', '--heads', '2', '--eval-n', '16'];

describe('stylegpu clip train', () => {
  it('writes a loadable CLIP and its vocabulary, and prints zero-shot accuracy per split', async () => {
    const out = join(work, 'run');
    const r = stylegpu(['clip', 'train', '--data', 'world:shapes', '--kimg', '0.032', '--outdir', out, ...tiny]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['clip.safetensors', 'clip.vocab.json']);
    expect(r.stdout).toMatch(/clip train: 4 steps, 0\.032 kimg; wrote .*clip\.safetensors and .*clip\.vocab\.json \(\d+ words\)/);
    expect(r.stdout).toMatch(/^zero-shot colour \(8 classes, chance 12\.5%\): test \d+\.\d%, heldout \d+\.\d%$/m);
    expect(r.stdout).toMatch(/^zero-shot shape \(6 classes, chance 16\.7%\): test \d+\.\d%, heldout \d+\.\d%$/m);

    const tokenizer = WordTokenizer.fromJSON(JSON.parse(readFileSync(join(out, 'clip.vocab.json'), 'utf8')));
    for (const w of ['red', 'circle', 'striped', 'background', 'heart', 'purple']) expect(tokenizer.words).toContain(w);
    const ckpt = await loadClipCheckpoint(join(out, 'clip.safetensors'));
    expect(ckpt.config.text.vocabSize).toBe(tokenizer.vocabularySize);
    expect(ckpt.config.vision).toMatchObject({ width: 16, layers: 1, heads: 2, patchSize: 2, imageSize: 16 });

    const embedded = join(work, 'embedded');
    mkdirSync(embedded);
    copyFileSync(join(out, 'clip.safetensors'), join(embedded, 'shapes32-clip.safetensors'));
    copyFileSync(join(out, 'clip.vocab.json'), join(embedded, 'shapes32-clip.vocab.json'));
    process.env.STYLEGPU_EMBEDDED_DIR = embedded;
    const rt = await createRuntime();
    try {
      const { model, tokenizer: loaded } = await loadClip(rt, 'embedded:shapes32-clip');
      expect(loaded?.words).toEqual(tokenizer.words);
      model.dispose();
    } finally {
      delete process.env.STYLEGPU_EMBEDDED_DIR;
      rt.destroy();
    }
  });

  it('refuses bad flags with one line, before the GPU opens, writing nothing', () => {
    const out = join(work, 'never');
    const cases: Array<[string[], RegExp]> = [
      [['--kimg', '-1'], /^stylegpu: clip train --kimg '-1': not a positive number; give /],
      [['--batch', '1'], /^stylegpu: clip train --batch 1: a contrastive batch needs at least 2 pairs; give 2 or more/],
      [['--width', '16', '--heads', '3'], /^stylegpu: clip train --heads 3: --width 16 is not a multiple of it; give a head count that divides the width$/],
      [['--resolution', '32', '--patch', '5'], /^stylegpu: clip train --patch 5: it does not divide --resolution 32; give a divisor of the resolution$/],
      [['--data', 'world:nope'], /^stylegpu: clip train --data world:nope: loadWorld: unknown world 'world:nope'.*; give world:shapes or world:faces/],
      [['--layers', 'two'], /^stylegpu: clip train --layers 'two': not a positive integer; give /],
    ];
    for (const [flags, expected] of cases) {
      const r = stylegpu(['clip', 'train', '--outdir', out, ...flags], { env: NO_GPU_ENV });
      expect(r.status, flags.join(' ')).toBe(1);
      expect(stderrLines(r), flags.join(' ')).toHaveLength(1);
      expect(stderrLines(r)[0], flags.join(' ')).toMatch(expected);
    }
    expect(listTree(work)).not.toContain('never');
  });
});

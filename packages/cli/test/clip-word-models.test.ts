/**
 * The project's own small CLIPs wherever a command takes a CLIP model: the embedded name
 * `embedded:shapes32-clip` (here resolved in a temporary STYLEGPU_EMBEDDED_DIR holding a tiny model
 * written by the test, since the real file may be absent) and a word-tokenized `clip.safetensors` with
 * `clip.vocab.json` beside it, as `stylegpu clip train` writes them. Each is read with its word
 * vocabulary (texts encode exactly as the API does with that WordTokenizer); NADA takes --templates in
 * that vocabulary and its resume state records them; absent files, a missing vocabulary, a BPE
 * vocabulary given for a word model and unknown words are one line each, before the GPU opens.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initClipWeights, loadClip, preprocessImage, saveClipCheckpoint, WordTokenizer, type ClipConfig } from '@stylegpu/clip/node';
import { encodePng, readNpy, readSafetensors } from '@stylegpu/io';
import { createRuntime, softmax, type Runtime } from '@stylegpu/kernels';
import { buildProgram } from '../src/program.js';
import { FIXTURES, NO_GPU_ENV, listTree, stderrLines, stylegpu } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stylegpu-clip-word-'));
const p = (...parts: string[]) => join(work, ...parts);
const G = FIXTURES.generator;
const EMBEDDED = 'embedded:shapes32-clip';

const words = WordTokenizer.fromTexts(['a red circle on a blue background', 'a green square', 'a small striped heart']);
const CONTEXT = 8;
const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
const config: ClipConfig = {
  embedDim: 8,
  vision: { width: 16, layers: 2, heads: 2, mlpWidth: 32, patchSize: 4, imageSize: 16, ...tower },
  text: { width: 16, layers: 1, heads: 2, mlpWidth: 32, contextLength: CONTEXT, vocabSize: words.vocabularySize, ...tower },
};
const TEXTS = ['a red circle', 'a blue square on green', 'a striped heart'];
const PIXELS = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
const TEMPLATES = 'a {} circle,a {} square';

const savedEmbeddedDir = process.env.STYLEGPU_EMBEDDED_DIR;
let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
  // What `stylegpu clip train` writes, and the same files under their embedded names.
  mkdirSync(p('run'));
  writeFileSync(p('run', 'clip.safetensors'), saveClipCheckpoint({ config, weights: initClipWeights(config, 11) }));
  writeFileSync(p('run', 'clip.vocab.json'), `${JSON.stringify(words.toJSON())}\n`);
  mkdirSync(p('embedded'));
  copyFileSync(p('run', 'clip.safetensors'), p('embedded', 'shapes32-clip.safetensors'));
  copyFileSync(p('run', 'clip.vocab.json'), p('embedded', 'shapes32-clip.vocab.json'));
  mkdirSync(p('lone'));
  copyFileSync(p('run', 'clip.safetensors'), p('lone', 'clip.safetensors'));
  mkdirSync(p('empty'));
  writeFileSync(p('image.png'), encodePng({ width: 16, height: 16, channels: 3, data: PIXELS }));
});
afterAll(() => rt?.destroy());
afterEach(() => {
  vi.restoreAllMocks();
  if (savedEmbeddedDir === undefined) delete process.env.STYLEGPU_EMBEDDED_DIR;
  else process.env.STYLEGPU_EMBEDDED_DIR = savedEmbeddedDir;
});

/** Runs the CLI in-process; returns what it printed on stdout. */
async function run(args: string[]): Promise<string> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  try {
    await buildProgram().parseAsync(['node', 'stylegpu', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return stdout;
}

/** The library's text features of `texts` for the model at `model`, tokenized with `words` at the model's context length. */
async function apiTextFeatures(model: string, texts: string[]): Promise<Float32Array> {
  const { model: clip } = await loadClip(rt, model);
  try {
    const t = rt.noGrad(() => clip.encodeText(words.tokenize(texts, { contextLength: CONTEXT })));
    const f = (await t.read()) as Float32Array;
    t.dispose();
    return f;
  } finally {
    clip.dispose();
  }
}

describe('word-tokenized CLIPs in the CLI', () => {
  it('clip encode: embedded:shapes32-clip and clip.safetensors + clip.vocab.json encode texts with their word vocabulary', async () => {
    process.env.STYLEGPU_EMBEDDED_DIR = p('embedded');
    const want = await apiTextFeatures(p('run', 'clip.safetensors'), TEXTS);
    for (const model of [EMBEDDED, p('run', 'clip.safetensors')]) {
      const out = p(`text-${model.startsWith('embedded') ? 'embedded' : 'file'}.npy`);
      await run(['clip', 'encode', '--model', model, ...TEXTS.flatMap((t) => ['--text', t]), '--out', out]);
      const got = readNpy(readFileSync(out));
      expect(got.shape).toEqual([TEXTS.length, config.embedDim]);
      // Same tokenizer, same model, same GPU code: the features are bit-identical.
      expect(Array.from(got.data as Float32Array), model).toEqual(Array.from(want));
    }
  });

  it('clip score: the probabilities are the softmax of the API logits with the word tokenizer', async () => {
    process.env.STYLEGPU_EMBEDDED_DIR = p('embedded');
    const printed = await run(['clip', 'score', '--model', EMBEDDED, '--image', p('image.png'), ...TEXTS.flatMap((t) => ['--text', t])]);
    const { model: clip } = await loadClip(rt, EMBEDDED);
    let probs: Float32Array;
    try {
      const chw = new Float32Array(3 * 16 * 16);
      for (let i = 0; i < 256; i++) for (let c = 0; c < 3; c++) chw[c * 256 + i] = PIXELS[i * 3 + c] / 255;
      const t = rt.noGrad(() =>
        rt.tidy(() => {
          const image = clip.encodeImage(preprocessImage(rt.tensor(chw, [1, 3, 16, 16]), { size: 16 }));
          return softmax(clip.logits(image, clip.encodeText(words.tokenize(TEXTS, { contextLength: CONTEXT }))), -1);
        }),
      );
      probs = (await t.read()) as Float32Array;
      t.dispose();
    } finally {
      clip.dispose();
    }
    const lines = printed.trim().split('\n').slice(1);
    const shown = new Map(lines.map((l) => [l.trim().slice(8), l.trim().slice(0, 6)]));
    // Same model, tokenizer and GPU code: the printed values are the API's, rounded as the command rounds.
    TEXTS.forEach((text, j) => expect(shown.get(text), text).toBe(probs[j].toFixed(4)));
  });

  it('project --clip-model and discover --sensor clip: take the embedded name (image features only)', async () => {
    process.env.STYLEGPU_EMBEDDED_DIR = p('embedded');
    await run(['project', '--network', G, '--target', p('image.png'), '--num-steps', '2', '--w-avg-samples', '100', '--clip-model', EMBEDDED, '--outdir', p('proj')]);
    expect(readdirSync(p('proj'))).toContain('projected_w.npz');
    const nav = p('nav.safetensors');
    await run(['discover', 'train', '--network', G, '--out', nav, '--directions', '2', '--steps', '2', '--pairs', '1', '--sensor', `clip:${EMBEDDED}`, '--clip-blocks', '0,1', '--heat', 'none']);
    expect(existsSync(nav)).toBe(true);
  });

  it('adapt nada: --clip-models embedded:shapes32-clip with --templates in its vocabulary; the resume state records them and refuses others', async () => {
    process.env.STYLEGPU_EMBEDDED_DIR = p('embedded');
    const out = p('nada');
    const nada = (iter: number, templates: string) => [
      'adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'red', '--target-class', 'blue', '--clip-models', EMBEDDED,
      '--templates', templates, '--iter', String(iter), '--batch', '2', '--lr', '0.02', '--output-dir', out, '--output-interval', '0',
    ];
    await run(nada(2, TEMPLATES));
    const state = readSafetensors(readFileSync(join(out, 'checkpoint', 'state.safetensors')));
    expect(JSON.parse(state.metadata.run).templates).toEqual(['a {} circle', 'a {} square']);
    await expect(run([...nada(3, 'a {} heart'), '--resume'])).rejects.toThrow(
      /saved by a run with --templates \["a \{\} circle","a \{\} square"\], this one has \["a \{\} heart"\]/,
    );
    // A file of templates (one per line, # comments) is the same list.
    writeFileSync(p('templates.txt'), '# shapes\na {} circle\n\na {} square\n');
    await run([...nada(3, p('templates.txt')), '--resume']);
    expect(readdirSync(join(out, 'checkpoint'))).toContain('000003.safetensors');
  });

  it('adapt styledomain --visual-encoders and adapt mapper --clip-models take a word model file', async () => {
    const model = p('run', 'clip.safetensors');
    await run(['adapt', 'styledomain', '--ckpt', G, '--source-class', 'red', '--target-class', 'blue', '--visual-encoders', model, '--templates', TEMPLATES, '--iter-num', '2', '--batch-size', '2', '--mixing-noise', '0', '--output-dir', p('sd')]);
    expect(readdirSync(p('sd'))).toContain('models_2.pt');
    await run(['adapt', 'mapper', '--ckpt', G, '--description', 'a blue circle', '--clip-models', model, '--iter', '2', '--output-dir', p('mapper')]);
    expect(existsSync(p('mapper', 'mapper.safetensors'))).toBe(true);
  });

  it('convert carries a word model\'s vocabulary beside the output', async () => {
    process.env.STYLEGPU_EMBEDDED_DIR = p('embedded');
    mkdirSync(p('converted'));
    await run(['convert', EMBEDDED, p('converted', 'small.safetensors'), '--f16']);
    expect(readdirSync(p('converted')).sort()).toEqual(['small.safetensors', 'small.vocab.json']);
    expect(JSON.parse(readFileSync(p('converted', 'small.vocab.json'), 'utf8'))).toEqual(words.toJSON());
  });
});

describe('word-tokenized CLIPs: bad input is one line, before the GPU opens, writing nothing', () => {
  /** Runs the built binary where no GPU exists; asserts status 1, one stderr line matching `line`, and no change on disk. */
  function refuses(args: string[], line: RegExp, embeddedDir = p('embedded')): void {
    const before = listTree(work);
    const r = stylegpu(args, { env: { ...NO_GPU_ENV, STYLEGPU_EMBEDDED_DIR: embeddedDir } });
    const lines = stderrLines(r);
    expect(lines, `stderr of stylegpu ${args.join(' ')}:\n${r.stderr}`).toHaveLength(1);
    expect(lines[0]).toMatch(/^stylegpu: \S.*: .+; .+$/);
    expect(lines[0]).toMatch(line);
    expect(r.status).toBe(1);
    expect(listTree(work), 'files on disk after the refusal').toEqual(before);
  }
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const score = (model: string, ...more: string[]) => ['clip', 'score', '--model', model, '--image', p('image.png'), '--text', 'a red circle', ...more];
  const nada = (...more: string[]) => ['adapt', 'nada', '--frozen-gen-ckpt', G, '--source-class', 'red', '--target-class', 'blue', '--iter', '2', '--output-dir', p('never'), ...more];

  it('an absent embedded file names the file and how to produce it, for every command', () => {
    const absent = esc(join(p('empty'), 'shapes32-clip.safetensors'));
    const how = `train it with \`stylegpu clip train --data world:shapes --resolution 32 --outdir DIR\` \\(the full command is in @stylegpu/clip's embedded/README\\.md\\), then copy DIR/clip\\.safetensors to ${absent} and DIR/clip\\.vocab\\.json to ${esc(join(p('empty'), 'shapes32-clip.vocab.json'))}`;
    const why = `${absent} is not there: no such file in STYLEGPU_EMBEDDED_DIR \\(${esc(p('empty'))}\\); ${how}`;
    refuses(score(EMBEDDED), new RegExp(`^stylegpu: clip score --model embedded:shapes32-clip: ${why}; or give a checkpoint file$`), p('empty'));
    refuses(nada('--clip-models', EMBEDDED, '--templates', TEMPLATES), new RegExp(`^stylegpu: adapt nada --clip-models embedded:shapes32-clip: ${why}`), p('empty'));
    refuses(['project', '--network', G, '--target', p('image.png'), '--clip-model', EMBEDDED, '--outdir', p('never')], new RegExp(`^stylegpu: project --clip-model embedded:shapes32-clip: ${why}`), p('empty'));
    refuses(['discover', 'train', '--network', G, '--out', p('never.safetensors'), '--sensor', `clip:${EMBEDDED}`], new RegExp(`^stylegpu: discover train --sensor embedded:shapes32-clip: ${why}`), p('empty'));
    // Only the vocabulary missing: the model cannot read prompts without it.
    mkdirSync(p('half'));
    copyFileSync(p('run', 'clip.safetensors'), p('half', 'shapes32-clip.safetensors'));
    refuses(score(EMBEDDED), new RegExp(`^stylegpu: clip score --model embedded:shapes32-clip: ${esc(join(p('half'), 'shapes32-clip.vocab.json'))} is not there`), p('half'));
    refuses(score('embedded:shapes64-clip'), /^stylegpu: clip score --model embedded:shapes64-clip: no such embedded CLIP model; use embedded:shapes32-clip, or give a checkpoint file$/);
  });

  it('a word model without its vocabulary beside it, and a BPE vocabulary given for a word model', () => {
    const lone = p('lone', 'clip.safetensors');
    refuses(
      score(lone),
      new RegExp(
        `^stylegpu: clip score --model ${esc(lone)}: its token embedding has ${words.vocabularySize} rows, not the 49408 tokens of OpenAI's BPE, and no word vocabulary ${esc(p('lone', 'clip.vocab.json'))} is beside it; ` +
          'put the clip\\.vocab\\.json written with it there under that name \\(stylegpu clip train writes both\\), or pass --vocab with the BPE vocabulary it was trained with$',
      ),
    );
    refuses(nada('--clip-models', lone, '--templates', TEMPLATES), new RegExp(`^stylegpu: adapt nada --clip-models ${esc(lone)}: its token embedding has ${words.vocabularySize} rows`));
    refuses(
      score(EMBEDDED, '--vocab', FIXTURES.vocab),
      new RegExp(`^stylegpu: clip score --vocab ${esc(FIXTURES.vocab)}: does not apply: embedded:shapes32-clip is a word-tokenized stylegpu CLIP that reads its own vocabulary ${esc(p('embedded', 'shapes32-clip.vocab.json'))}, not BPE; leave --vocab out for this model$`),
    );
    refuses(score(p('run', 'clip.safetensors'), '--vocab', FIXTURES.vocab), /^stylegpu: clip score --vocab \S+: does not apply: \S+run\/clip\.safetensors is a word-tokenized stylegpu CLIP/);
    refuses(nada('--clip-models', EMBEDDED, '--templates', TEMPLATES, '--clip-vocab', FIXTURES.vocab), /^stylegpu: adapt nada --clip-vocab \S+: applies to no model: every CLIP given is word-tokenized and reads its own vocabulary; leave --clip-vocab out$/);
  });

  it('prompts a word model cannot read: unknown words, NADA without --templates, bad --templates', () => {
    refuses(['clip', 'score', '--model', EMBEDDED, '--image', p('image.png'), '--text', 'a purple circle'], new RegExp(`^stylegpu: clip score --text 'a purple circle': .*the word 'purple' .* is not in the vocabulary of ${words.words.length} words; use words of the model's vocabulary \\(\\S+shapes32-clip\\.vocab\\.json\\), at most ${CONTEXT - 2} of them$`));
    refuses(nada('--clip-models', EMBEDDED), /^stylegpu: adapt nada --clip-models embedded:shapes32-clip: cannot read the prompts \(.*the word 'bad' .*\); NADA's default templates are ImageNet prompts it cannot read: give --templates in its vocabulary \(e\.g\. "a \{\} circle"\)$/);
    refuses(nada('--clip-models', EMBEDDED, '--templates', 'a {} triangle'), /^stylegpu: adapt nada --clip-models embedded:shapes32-clip: cannot read the prompts \(.*the word 'triangle' .*\); use words of its vocabulary in --templates, --source-class and --target-class$/);
    refuses(nada('--clip-models', EMBEDDED, '--templates', 'a {} circle,a square'), /^stylegpu: adapt nada --templates 'a square': has no \{\} for the class name/);
    refuses(nada('--clip-models', EMBEDDED, '--templates', p('no-such-templates.txt')), /^stylegpu: adapt nada --templates '\S+no-such-templates\.txt': has no \{\} for the class name, and as a file: no such file or folder; give comma-separated templates/);
    refuses(['adapt', 'styledomain', '--ckpt', G, '--source-class', 'red', '--target-class', 'blue', '--visual-encoders', EMBEDDED, '--output-dir', p('never')], /^stylegpu: adapt styledomain --visual-encoders embedded:shapes32-clip: cannot read the prompts .*give --templates in its vocabulary/);
    refuses(['adapt', 'mapper', '--ckpt', G, '--description', 'a cat', '--clip-models', EMBEDDED, '--output-dir', p('never')], /^stylegpu: adapt mapper --clip-models embedded:shapes32-clip: cannot read the prompts \(.*the word 'cat' .*\); use words of its vocabulary in --description$/);
  });
});

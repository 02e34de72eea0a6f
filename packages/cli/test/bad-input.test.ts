/**
 * Bad input to every command, through the built binary: exit status 1, exactly one stderr line
 * `stylegpu: <what> <path>: <why>; <what to do>`, and nothing new on disk. The commands run where
 * no WebGPU adapter exists (NO_GPU_ENV), so each refusal also shows that the input was checked
 * before the GPU was opened (a control test shows that opening it there does fail).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, writeNpy } from '@stylegpu/io';
import { FIXTURES, NO_GPU_ENV, REPO, listTree, stderrLines, stylegpu } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stylegpu-bad-input-'));
const p = (name: string) => join(work, name);
const out = p('out'); // never created by a refused command
const G = FIXTURES.generator;
const CLIP = FIXTURES.clip;
const VOCAB = FIXTURES.vocab;

beforeAll(() => {
  const png = encodePng({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(200) });
  writeFileSync(p('empty.pkl'), new Uint8Array(0));
  writeFileSync(p('image.pkl'), png); // a PNG renamed to .pkl
  writeFileSync(p('image.npy'), png);
  writeFileSync(p('image.pt'), png);
  writeFileSync(p('notes.pt'), 'these are my notes, not weights\n'); // a text file renamed to .pt
  writeFileSync(p('notes.png'), 'not an image\n');
  writeFileSync(p('cut.pkl'), readFileSync(G).subarray(0, 3000)); // a download cut short
  writeFileSync(p('a-file'), 'x');
  writeFileSync(p('w-shape.npy'), writeNpy({ dtype: 'f32', shape: [1, 5, 32], data: new Float32Array(160) }));
  writeFileSync(p('w-nan.npy'), writeNpy({ dtype: 'f32', shape: [1, 6, 32], data: new Float32Array(192).fill(NaN) }));
  writeFileSync(p('good.png'), png);
  mkdirSync(p('folder'));
  mkdirSync(p('x.npy')); // a folder where an output file would go
  mkdirSync(p('resume-corrupt/checkpoint'), { recursive: true });
  writeFileSync(p('resume-corrupt/checkpoint/state.safetensors'), 'garbage');
  copyFileSync(G, p('g.pkl'));
});

/** Runs `args` where no GPU exists; asserts status 1, one stderr line matching `line`, and no change on disk. */
function refuses(args: string[], line: RegExp): void {
  const before = listTree(work);
  const r = stylegpu(args, { env: NO_GPU_ENV });
  const lines = stderrLines(r);
  expect(lines, `stderr of stylegpu ${args.join(' ')}:\n${r.stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^stylegpu: \S.*: .+; .+$/);
  expect(lines[0]).toMatch(line);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(listTree(work), 'files on disk after the refusal').toEqual(before);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const at = (name: string) => esc(p(name));

describe('the no-GPU environment (control)', () => {
  it('a valid command that opens the GPU fails there, before its output folder exists', (ctx) => {
    const r = stylegpu(['generate', '--network', G, '--seeds', '0', '--outdir', out], { env: NO_GPU_ENV });
    if (r.status === 0) {
      console.log('skipped: Dawn found an adapter although the Vulkan loader points at no driver (not Linux/Vulkan?)');
      ctx.skip();
    }
    expect(r.status).toBe(1);
    expect(stderrLines(r).at(-1)).toMatch(/^stylegpu: createDevice: No WebGPU adapter was found/);
    expect(listTree(work)).not.toContain('out');
  });
});

describe('stylegpu generate', () => {
  const gen = (...args: string[]) => ['generate', '--seeds', '0', '--outdir', out, ...args];
  it('names a missing, empty, folder, renamed or truncated --network, without opening the GPU', () => {
    refuses(gen('--network', p('nope.pkl')), new RegExp(`^stylegpu: generate --network ${at('nope.pkl')}: no such file or folder; check the path$`));
    // Was "EISDIR: illegal operation on a directory, read", with no path.
    refuses(gen('--network', p('folder')), new RegExp(`^stylegpu: generate --network ${at('folder')}: is a folder, not a file; give the file itself$`));
    refuses(gen('--network', p('empty.pkl')), /generate --network \S+empty\.pkl: the file is empty \(0 bytes\); .*get it again$/);
    refuses(gen('--network', p('image.pkl')), /generate --network \S+image\.pkl: holds a PNG image, not a StyleGAN2 checkpoint; give an NVIDIA .*\.pkl/);
    refuses(gen('--network', p('notes.pt')), /generate --network \S+notes\.pt: holds plain text, not a StyleGAN2 checkpoint; give/);
    refuses(gen('--network', p('cut.pkl')), /generate --network \S+cut\.pkl: cannot load it as a StyleGAN2 checkpoint \(.+\); give/);
  });

  it('refuses bad flag values', () => {
    refuses(['generate', '--network', G, '--seeds', '5-1', '--outdir', out], /^stylegpu: generate --seeds '5-1': the range '5-1' runs backwards; write the smaller seed first \(1-5\)$/);
    refuses(['generate', '--network', G, '--seeds', '1,x', '--outdir', out], /generate --seeds '1,x': 'x' in '1,x' is not a seed or a range a-b; write integers/);
    refuses(gen('--network', G, '--trunc', 'nan'), /^stylegpu: generate --trunc 'nan': not a finite number; give the truncation psi/);
    refuses(gen('--network', G, '--batch', '0'), /generate --batch '0': not a positive integer; give/);
    refuses(gen('--network', G, '--noise-mode', 'loud'), /^stylegpu: generate: option '--noise-mode <mode>' argument 'loud' is invalid.*; see stylegpu generate --help$/);
    refuses(['generate', '--seeds', '0', '--outdir', out], /^stylegpu: generate: required option '--network <path>' not specified; see stylegpu generate --help$/);
    refuses(['generate', '--network', G, '--outdir', out], /^stylegpu: generate: no latents given; pass --seeds/);
  });

  it('refuses an --outdir that is a file or lies under one (was a raw EEXIST)', () => {
    refuses(['generate', '--network', G, '--seeds', '0', '--outdir', p('a-file')], new RegExp(`generate --outdir ${at('a-file')}: exists and is a file, not a folder; choose another folder`));
    refuses(['generate', '--network', G, '--seeds', '0', '--outdir', join(p('a-file'), 'sub')], new RegExp(`generate --outdir \\S+sub: cannot create it: ${at('a-file')} is a file, not a folder; choose`));
  });

  it('refuses --projected-w of the wrong shape, content or values', () => {
    const proj = (f: string) => ['generate', '--network', G, '--projected-w', p(f), '--outdir', out];
    refuses(proj('w-shape.npy'), /generate --projected-w \S+w-shape\.npy: holds ws of shape \[1, 5, 32\], but \S+ takes \[N, 6, 32\]; give ws projected with this network$/);
    refuses(proj('image.npy'), /generate --projected-w \S+image\.npy: holds a PNG image, not a NumPy array; give an \.npz/);
    refuses(proj('w-nan.npy'), /generate --projected-w \S+w-nan\.npy: holds NaN at element 0; give finite ws$/);
    refuses(proj('nope.npz'), /generate --projected-w \S+nope\.npz: no such file or folder; check the path$/);
  });
});

describe('stylegpu convert', () => {
  it('names a missing, empty, renamed or unrecognised input and a bad output, writing nothing', () => {
    refuses(['convert', p('nope.pkl'), p('g.safetensors')], /^stylegpu: convert IN \S+nope\.pkl: no such file or folder; check the path$/);
    refuses(['convert', p('empty.pkl'), p('g.safetensors')], /convert IN \S+empty\.pkl: the file is empty \(0 bytes\)/);
    refuses(['convert', p('image.pkl'), p('g.safetensors')], /convert IN \S+image\.pkl: holds a PNG image, not a model checkpoint; give a StyleGAN2 checkpoint/);
    refuses(['convert', p('notes.pt'), p('g.safetensors')], /convert IN \S+notes\.pt: holds plain text, not a model checkpoint/);
    refuses(['convert', p('cut.pkl'), p('g.safetensors')], /convert IN \S+cut\.pkl: is neither a StyleGAN2 checkpoint \(.+\) nor a CLIP checkpoint \(.+\); give/);
    refuses(['convert', p('folder'), p('g.safetensors')], /convert IN \S+folder: is neither a StyleGAN2 checkpoint \(it is a folder\) nor a CLIP checkpoint \(.*has neither model\.safetensors nor pytorch_model\.bin/);
    refuses(['convert', G, p('g.txt')], /^stylegpu: convert OUT \S+g\.txt: has an unknown extension; end it in \.safetensors/);
    refuses(['convert', G, join(p('missing'), 'g.safetensors')], /convert OUT \S+g\.safetensors: the folder \S+missing does not exist; create it first/);
    refuses(['convert', G, join(p('a-file'), 'g.safetensors')], /convert OUT \S+g\.safetensors: \S+a-file is a file, not a folder; choose another path$/);
    refuses(['convert', CLIP, p('clip.pt')], /convert OUT \S+clip\.pt: a CLIP model converts to \.safetensors only; name the output \.safetensors$/);
    refuses(['convert', G], /^stylegpu: convert: missing required argument 'out'; see stylegpu convert --help$/);
  });
});

describe('stylegpu clip score and clip encode', () => {
  const model = ['--model', CLIP, '--vocab', VOCAB];
  it('names bad images', () => {
    refuses(['clip', 'score', ...model, '--text', 'a cat', '--image', p('nope.png')], /^stylegpu: clip score --image \S+nope\.png: no such file or folder; check the path$/);
    refuses(['clip', 'score', ...model, '--text', 'a cat', '--image', p('notes.png')], /clip score --image \S+notes\.png: holds plain text, not a PNG or JPEG image; give/);
    refuses(['clip', 'score', ...model, '--text', 'a cat', '--image', p('empty.pkl')], /clip score --image \S+empty\.pkl: the file is empty/);
    refuses(['clip', 'score', ...model, '--text', 'a cat', '--image', p('folder')], /clip score --image \S+folder: is a folder, not a file/);
    refuses(['clip', 'encode', ...model, '--image', p('image.pkl'), '--image', p('notes.png'), '--out', p('e.npy')], /clip encode --image \S+notes\.png: holds plain text/);
  });

  it('names a bad model, vocabulary or output', () => {
    refuses(['clip', 'score', '--model', p('nope.pt'), '--vocab', VOCAB, '--text', 'a', '--image', p('good.png')], /^stylegpu: clip score --model \S+nope\.pt: no such file or folder; check the path$/);
    refuses(['clip', 'score', '--model', p('image.pt'), '--vocab', VOCAB, '--text', 'a', '--image', p('good.png')], /clip score --model \S+image\.pt: holds a PNG image, not a CLIP checkpoint; give an OpenAI CLIP \.pt/);
    refuses(['clip', 'score', '--model', p('folder'), '--vocab', VOCAB, '--text', 'a', '--image', p('good.png')], /clip score --model \S+folder: cannot load it as a CLIP checkpoint \(.*has neither model\.safetensors/);
    refuses(['clip', 'score', '--model', CLIP, '--vocab', p('image.pkl'), '--text', 'a', '--image', p('good.png')], /clip score --vocab \S+image\.pkl: holds a PNG image, not a BPE vocabulary; give OpenAI's bpe_simple_vocab_16e6\.txt\.gz/);
    refuses(['clip', 'score', '--model', CLIP, '--vocab', p('nope.txt.gz'), '--text', 'a', '--image', p('good.png')], /clip score --vocab \S+nope\.txt\.gz: no such file or folder/);
    refuses(['clip', 'encode', ...model, '--text', 'a cat', '--out', p('x.npy')], /^stylegpu: clip encode --out \S+x\.npy: is a folder; give a file name/);
    refuses(['clip', 'encode', ...model, '--text', 'a cat', '--out', join(p('missing'), 'e.npy')], /clip encode --out \S+e\.npy: the folder \S+missing does not exist/);
    refuses(['clip', 'encode', ...model, '--text', 'a cat', '--out', p('e.txt')], /clip encode --out \S+e\.txt: does not end in \.npy; name the output file\.npy$/);
    refuses(['clip', 'encode', ...model, '--text', 'a cat', '--vision-heads', '0', '--out', p('e.npy')], /^stylegpu: clip encode: option '--vision-heads <n>' argument '0' is invalid\. not a positive integer; see stylegpu clip encode --help$/);
    refuses(['clip', 'score', ...model, '--image', p('good.png')], /^stylegpu: clip score: no prompt given; pass at least one --text$/);
  });
});

describe('stylegpu adapt nada', () => {
  const nada = (...args: string[]) => {
    const flags = new Map<string, string>([
      ['--frozen-gen-ckpt', G],
      ['--source-class', 'photo'],
      ['--target-class', 'sketch'],
      ['--clip-models', CLIP],
      ['--clip-vocab', VOCAB],
      ['--iter', '2'],
      ['--output-dir', out],
    ]);
    const extra: string[] = [];
    for (let i = 0; i < args.length; i += 2) {
      if (flags.has(args[i])) flags.set(args[i], args[i + 1]);
      else extra.push(args[i], args[i + 1]);
    }
    return ['adapt', 'nada', ...[...flags].flat(), ...extra];
  };
  it('names bad generator, CLIP and vocabulary files', () => {
    refuses(nada('--frozen-gen-ckpt', p('nope.pkl')), /^stylegpu: adapt nada --frozen-gen-ckpt \S+nope\.pkl: no such file or folder; check the path$/);
    refuses(nada('--frozen-gen-ckpt', p('image.pt')), /adapt nada --frozen-gen-ckpt \S+image\.pt: holds a PNG image, not a StyleGAN2 checkpoint/);
    refuses(nada('--train-gen-ckpt', p('empty.pkl')), /adapt nada --train-gen-ckpt \S+empty\.pkl: the file is empty \(0 bytes\)/);
    refuses(nada('--clip-models', p('notes.pt')), /adapt nada --clip-models \S+notes\.pt: holds plain text, not a CLIP checkpoint/);
    refuses(nada('--clip-models', 'ViT-B/32'), /adapt nada --clip-models ViT-B\/32: unknown CLIP model: .*; stylegpu downloads nothing/);
    refuses(nada('--clip-vocab', p('nope')), /adapt nada --clip-vocab \S+nope: no such file or folder/);
    refuses(nada('--style-img-dir', p('a-file')), /adapt nada --style-img-dir \S+a-file: is a file, not a folder; give a folder$/);
    refuses(nada('--style-img-dir', p('folder')), /adapt nada --style-img-dir \S+folder: holds no PNG or JPEG images; give a folder of PNG or JPEG images$/);
  });

  it('refuses bad numbers and a bad output folder', () => {
    refuses(nada('--lr', 'nan'), /^stylegpu: adapt nada --lr 'nan': not a finite number; give a number above 0$/);
    refuses(nada('--lr', '1e39'), /adapt nada --lr '1e39': too large for float32/);
    refuses(nada('--iter', '0'), /adapt nada --iter '0': out of range; give an integer of at least 1$/);
    refuses(nada('--mixing', '2'), /adapt nada --mixing '2': out of range; give a number in \[0, 1\]$/);
    refuses(nada('--batch', '1.5'), /adapt nada --batch '1\.5': not an integer/);
    refuses(nada('--output-dir', p('a-file')), /adapt nada --output-dir \S+a-file: exists and is a file, not a folder/);
    refuses(nada('--phase', 'sideways'), /^stylegpu: adapt nada: option '--phase <phase>' argument 'sideways' is invalid/);
  });

  it('refuses to resume from an unreadable state file', () => {
    refuses([...nada('--output-dir', p('resume-corrupt')), '--resume'], /^stylegpu: adapt nada --resume \S+state\.safetensors: cannot read it \(.+\); delete the checkpoint folder to start over$/);
  });
});

describe('stylegpu --help', () => {
  it('npx stylegpu --help works from the repository root (the bin link)', () => {
    const r = spawnSync('npx', ['stylegpu', '--help'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: stylegpu /);
    for (const c of ['generate', 'convert', 'clip', 'adapt']) expect(r.stdout).toMatch(new RegExp(`\\n\\s+${c}\\b`));
  });

  it('every command prints its help and exits 0', () => {
    for (const cmd of [['generate'], ['convert'], ['clip', 'score'], ['clip', 'encode'], ['adapt', 'nada']]) {
      const r = stylegpu([...cmd, '--help'], { env: NO_GPU_ENV });
      expect(r.status, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: stylegpu ${cmd.join(' ')} `));
    }
  });
});

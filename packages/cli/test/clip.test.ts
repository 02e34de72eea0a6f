/**
 * `stylegpu clip score` and `clip encode` on the tiny CLIP fixture (packages/clip/fixtures, hf-tiny
 * vocabulary), run in-process through `buildProgram().parseAsync`. The model's numbers are tested
 * in @stylegpu/clip; here: the files in (PNG, JPEG, .npy HWC/NCHW) reach the model as the library
 * API would feed them, the outputs are right, and every bad input fails before anything is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClip, preprocessImage } from '@stylegpu/clip/node';
import {
  decodeJpeg,
  encodeJpeg,
  encodePng,
  readNpy,
  readSafetensors,
  toFloat32,
  writeNpy,
} from '@stylegpu/io';
import { concat, createRuntime, softmax, type Runtime } from '@stylegpu/kernels';
import { relError } from '@stylegpu/kernels/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/program.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../clip/fixtures');
const MODEL = path.join(fixtures, 'clip-tiny-a', 'hf');
const VOCAB = path.join(fixtures, 'hf-tiny');
const PROMPTS = ['a photo of a cat', 'the thin thing in the theatre', 'a painting of a dog'];

const dir = mkdtempSync(path.join(tmpdir(), 'stylegpu-clip-cli-'));
let stdout = '';
afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<string> {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await buildProgram().parseAsync(args, { from: 'user' });
  } finally {
    vi.restoreAllMocks();
  }
  return stdout;
}

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a >>> 24;
  });
}

/** HWC uint8 → NCHW float [1, 3, H, W] in [0, 1], written independently of the CLI's own conversion. */
function nchw(hwc: Uint8Array, H: number, W: number): Float32Array {
  const out = new Float32Array(3 * H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) out[(c * H + y) * W + x] = hwc[(y * W + x) * 3 + c] / 255;
  return out;
}

let rt: Runtime;
const pngFile = path.join(dir, 'wide.png');
const pngPixels = bytes(37 * 50 * 3, 7); // H 37, W 50: resized to 32 × 43, then centre-cropped
const hwcFile = path.join(dir, 'hwc.npy');
const hwcPixels = Float32Array.from(bytes(45 * 40 * 3, 9), (v) => v / 255); // H 45, W 40
const nchwFile = path.join(dir, 'pair.npy');
const nchwPixels = Float32Array.from(bytes(2 * 3 * 32 * 32, 11), (v) => v / 255);

beforeAll(async () => {
  rt = await createRuntime();
  writeFileSync(pngFile, encodePng({ width: 50, height: 37, channels: 3, data: pngPixels }));
  writeFileSync(hwcFile, writeNpy({ dtype: 'f32', shape: [45, 40, 3], data: hwcPixels }));
  writeFileSync(nchwFile, writeNpy({ dtype: 'f64', shape: [2, 3, 32, 32], data: Float64Array.from(nchwPixels) }));
});
afterAll(() => rt?.destroy());

/** The library's answer for the same images: preprocessImage, encodeImage (and logits/softmax). */
async function libraryImageFeatures(texts?: string[]): Promise<{ features: Float32Array; probs?: Float32Array }> {
  const { model } = await loadClip(rt, MODEL);
  try {
    const { loadTokenizer } = await import('@stylegpu/clip/node');
    const tokenizer = await loadTokenizer(VOCAB);
    const [f, p] = rt.noGrad(() =>
      rt.tidy(() => {
        const size = model.config.vision.imageSize;
        const px = concat(
          [
            preprocessImage(rt.tensor(nchw(pngPixels, 37, 50), [1, 3, 37, 50]), { size }),
            preprocessImage(rt.tensor(nchw(Uint8Array.from(hwcPixels, (v) => Math.round(v * 255)), 45, 40), [1, 3, 45, 40]), { size }),
            preprocessImage(rt.tensor(nchwPixels, [2, 3, 32, 32]), { size }),
          ],
          0,
        );
        const feats = model.encodeImage(px);
        const probs = texts ? softmax(model.logits(feats, model.encodeText(tokenizer.tokenize(texts))), -1) : null;
        return [rt.keep(feats), probs ? rt.keep(probs) : null];
      }),
    );
    const features = (await f.read()) as Float32Array;
    f.dispose();
    const probs = p ? ((await p.read()) as Float32Array) : undefined;
    p?.dispose();
    return { features, probs };
  } finally {
    model.dispose();
  }
}

describe('stylegpu clip encode', () => {
  it('--text writes float32 [N, embed] matching the fixture text features', async () => {
    const out = path.join(dir, 'text.npy');
    const printed = await run('clip', 'encode', '--model', MODEL, '--vocab', VOCAB, ...PROMPTS.flatMap((t) => ['--text', t]), '--out', out);
    expect(printed).toMatch(/wrote .*text\.npy: float32 \[3, 24\]/);
    const emb = readNpy(new Uint8Array(readFileSync(out)));
    expect(emb.dtype).toBe('f32');
    expect(emb.shape).toEqual([3, 24]);
    const expected = readSafetensors(new Uint8Array(readFileSync(path.join(fixtures, 'clip-tiny-a', 'expected.safetensors')))).tensors;
    expect(relError(emb.data as Float32Array, toFloat32(expected.get('text_features')!))).toBeLessThan(2e-5);
  });

  it('--image (PNG, .npy HWC, .npy NCHW with 2 images) matches the library on the same pixels; --normalize gives unit rows', async () => {
    const out = path.join(dir, 'images.npy');
    await run('clip', 'encode', '--model', MODEL, '--vocab', VOCAB, '--image', pngFile, '--image', hwcFile, '--image', nchwFile, '--out', out);
    const emb = readNpy(new Uint8Array(readFileSync(out)));
    expect(emb.shape).toEqual([4, 24]);
    const { features } = await libraryImageFeatures();
    const got = emb.data as Float32Array;
    for (let row = 0; row < 4; row++) expect(relError(got.subarray(row * 24, row * 24 + 24), features.subarray(row * 24, row * 24 + 24)), `row ${row}`).toBeLessThan(1e-5);

    const unit = path.join(dir, 'unit.npy');
    await run('clip', 'encode', '--model', MODEL, '--vocab', VOCAB, '--image', nchwFile, '--out', unit, '--normalize');
    const u = readNpy(new Uint8Array(readFileSync(unit))).data as Float32Array;
    for (let r = 0; r < 2; r++) {
      let n = 0;
      for (let i = 0; i < 24; i++) n += u[r * 24 + i] ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    }
  });
});

it('--image JPEG (grey replicated to RGB, as convert("RGB")) matches the library on the decoded pixels', async () => {
  const file = path.join(dir, 'grey.jpg');
  const grey = bytes(33 * 35, 5);
  writeFileSync(file, encodeJpeg({ width: 35, height: 33, channels: 1, data: grey }, 90));
  const out = path.join(dir, 'jpeg.npy');
  await run('clip', 'encode', '--model', MODEL, '--vocab', VOCAB, '--image', file, '--out', out);
  const rgb = decodeJpeg(new Uint8Array(readFileSync(file)), { channels: 3 });
  const { model } = await loadClip(rt, MODEL);
  try {
    const f = rt.noGrad(() => rt.tidy(() => model.encodeImage(preprocessImage(rt.tensor(nchw(rgb.data, 33, 35), [1, 3, 33, 35]), { size: 32 }))));
    const expected = (await f.read()) as Float32Array;
    f.dispose();
    expect(relError(readNpy(new Uint8Array(readFileSync(out))).data as Float32Array, expected)).toBeLessThan(1e-5);
  } finally {
    model.dispose();
  }
});

describe('stylegpu clip score', () => {
  it('prints, per image, the softmax over the prompts, best first', async () => {
    const printed = await run('clip', 'score', '--model', MODEL, '--vocab', VOCAB, '--image', pngFile, '--image', nchwFile, ...PROMPTS.flatMap((t) => ['--text', t]));
    const blocks = printed.trim().split('\n');
    expect(blocks.filter((l) => !l.startsWith('  '))).toEqual([pngFile, `${nchwFile}[0]`, `${nchwFile}[1]`]);
    expect(blocks).toHaveLength(3 * 4);
    const { probs } = await libraryImageFeatures(PROMPTS);
    const imageRows = [0, 2, 3]; // rows of the library batch: png, (hwc), nchw[0], nchw[1]
    for (let b = 0; b < 3; b++) {
      const lines = blocks.slice(b * 4 + 1, b * 4 + 4).map((l) => /^ {2}(\d\.\d{4}) {2}(.*)$/.exec(l)!);
      const values = lines.map((m) => Number(m[1]));
      expect(values).toEqual([...values].sort((x, y) => y - x));
      expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 3);
      for (const m of lines) {
        const j = PROMPTS.indexOf(m[2]);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(Number(m[1])).toBeCloseTo(probs![imageRows[b] * 3 + j], 4);
      }
    }
  });
});

describe('bad input: a clear error and no output', () => {
  const out = path.join(dir, 'never.npy');
  const base = ['--model', MODEL, '--vocab', VOCAB];
  const expectFails = async (args: string[], message: RegExp) => {
    const before = readdirSync(dir).sort();
    await expect(run('clip', ...args)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort(), 'no temporary or partial files').toEqual(before);
  };

  it('missing, unreadable and wrongly shaped images', async () => {
    const garbage = path.join(dir, 'garbage.png');
    writeFileSync(garbage, 'not an image at all');
    const rgba = path.join(dir, 'rgba.npy');
    writeFileSync(rgba, writeNpy({ dtype: 'f32', shape: [8, 8, 4], data: new Float32Array(256) }));
    const grey = path.join(dir, 'grey.npy');
    writeFileSync(grey, writeNpy({ dtype: 'f32', shape: [1, 1, 8, 8], data: new Float32Array(64) }));
    const bytesNpy = path.join(dir, 'bytes.npy');
    writeFileSync(bytesNpy, writeNpy({ dtype: 'u8', shape: [8, 8, 3], data: new Uint8Array(192) }));
    const outOfRange = path.join(dir, 'range.npy');
    writeFileSync(outOfRange, writeNpy({ dtype: 'f32', shape: [2, 2, 3], data: Float32Array.from({ length: 12 }, (_, i) => i * 20) }));
    await expectFails(['encode', ...base, '--image', path.join(dir, 'nope.png'), '--out', out], /clip encode --image .*nope\.png: no such file or folder; check the path/);
    await expectFails(['encode', ...base, '--image', pngFile, '--image', garbage, '--out', out], /clip encode --image .*garbage\.png: holds plain text, not a PNG or JPEG image/);
    await expectFails(['encode', ...base, '--image', rgba, '--out', out], /rgba\.npy: has shape \[8, 8, 4\]: 4 channels, not 3; give a PNG/);
    await expectFails(['encode', ...base, '--image', grey, '--out', out], /grey\.npy: has shape \[1, 1, 8, 8\]: 1 channels, not 3/);
    await expectFails(['encode', ...base, '--image', bytesNpy, '--out', out], /bytes\.npy: holds u8 \[8, 8, 3\], not floats; give .*float \.npy in \[0, 1\]/);
    await expectFails(['encode', ...base, '--image', outOfRange, '--out', out], /range\.npy: holds 20 at element 1, outside \[0, 1\]; scale the pixels to \[0, 1\]/);
    await expectFails(['score', ...base, '--image', rgba, '--text', 'a cat'], /clip score --image .*4 channels, not 3/);
  });

  it('bad model, vocabulary and output paths; conflicting or missing inputs', async () => {
    await expectFails(['encode', '--model', path.join(dir, 'no-model'), '--vocab', VOCAB, '--text', 'a cat', '--out', out], /clip encode --model .*no-model: no such file or folder; check the path/);
    await expectFails(['encode', '--model', MODEL, '--vocab', path.join(dir, 'no-vocab'), '--text', 'a cat', '--out', out], /clip encode --vocab .*no-vocab: no such file or folder/);
    await expectFails(['encode', ...base, '--text', 'a cat', '--out', path.join(dir, 'missing-folder', 'x.npy')], /clip encode --out .*x\.npy: the folder .*missing-folder does not exist; create it first/);
    await expectFails(['encode', ...base, '--text', 'a cat', '--out', path.join(dir, 'x.txt')], /clip encode --out .*x\.txt: does not end in \.npy/);
    await expectFails(['encode', ...base, '--text', 'a cat', '--image', pngFile, '--out', out], /either --text or --image/);
    await expectFails(['encode', ...base, '--out', out], /either --text or --image/);
    await expectFails(['score', ...base, '--image', pngFile], /at least one --text/);
    await expectFails(['score', ...base, '--text', 'a cat'], /at least one --image/);
    await expectFails(['encode', ...base, '--text', 'a cat'], /required option '--out/);
    await expectFails(['encode', ...base, '--vision-heads', 'x', '--text', 'a cat', '--out', out], /option '--vision-heads <n>' argument 'x' is invalid/);
    await expectFails(['encode', '--model', path.join(fixtures, 'clip-tiny-a', 'openai.pt'), '--vocab', VOCAB, '--text', 'a cat', '--out', out], /clip encode --model .*openai\.pt: cannot load it as a CLIP checkpoint \(.*cannot infer the vision head count/);
    await expectFails(['encode', ...base, '--text', 'word '.repeat(100), '--out', out], /clip encode --text 'word word .*(too long|context).*; shorten the prompt/i);
  });
});

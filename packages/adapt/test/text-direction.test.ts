import { type Tensor } from '@stylegpu/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, expectClose, testRuntime } from '@stylegpu/kernels/testing/vitest';
import { IMAGENET_TEMPLATES, classTextEmbedding, classTextEmbeddingFromEmbeddings, composeWithTemplates, textDirection, textDirectionFromEmbeddings } from '../src/index.js';
import { classEmbeddingRef, rows, textDirectionRef } from './reference/losses.js';

afterAll(destroyTestRuntime);

describe('templates', () => {
  it('holds the 79 official imagenet_templates and fills them as str.format', () => {
    expect(IMAGENET_TEMPLATES.length).toBe(79);
    expect(IMAGENET_TEMPLATES[0]).toBe('a bad photo of a {}.');
    expect(IMAGENET_TEMPLATES[78]).toBe('a tattoo of the {}.');
    const texts = composeWithTemplates('Photo of a Sketch');
    expect(texts[0]).toBe('a bad photo of a Photo of a Sketch.');
    expect(texts[34]).toBe('a Photo of a Sketch in a video game.');
    expect(texts.every((t) => !t.includes('{}'))).toBe(true);
  });
});

describe('textDirection', () => {
  for (const [T, D] of [
    [1, 5],
    [6, 9],
  ] as const) {
    it(`from template embeddings [${T}, ${D}]: forward and backward`, async () => {
      const rng = makeRng();
      await checkOp({
        label: `textDirection T=${T} D=${D}`,
        inputs: [
          { shape: [T, D], data: randn(rng, T * D) },
          { shape: [T, D], data: randn(rng, T * D) },
        ],
        shape: [1, D],
        gpu: (_rt, [s, t]) => textDirectionFromEmbeddings(s, t),
        ref: ([s, t]) => textDirectionRef(rows(s, T, D), rows(t, T, D)),
      });
    });
  }

  it('class embedding (set_text_features): forward and backward', async () => {
    const rng = makeRng();
    await checkOp({
      label: 'classTextEmbedding',
      inputs: [{ shape: [4, 7], data: randn(rng, 28) }],
      shape: [1, 7],
      gpu: (_rt, [e]) => classTextEmbeddingFromEmbeddings(e),
      ref: ([e]) => classEmbeddingRef(rows(e, 4, 7)),
    });
  });

  it('encodes every template for source, then target, and normalises before the mean', async () => {
    const rt = await testRuntime();
    const D = 6;
    // A deterministic fake encoder: each text's embedding from its characters, varied norms.
    const embed = (s: string) => Float64Array.from({ length: D }, (_, j) => Math.sin(j + 1.7 * [...s].reduce((a, c, i) => a + c.charCodeAt(0) * (i % 7), 0)) * (1 + s.length / 10));
    const calls: string[][] = [];
    const encode = (texts: string[]): Tensor => {
      calls.push(texts);
      return rt.tensor(Float32Array.from(texts.flatMap((t) => [...embed(t)])), [texts.length, D]);
    };
    const templates = IMAGENET_TEMPLATES.slice(0, 5);
    await rt.tidyAsync(async () => {
      const dir = textDirection(encode, 'Human', 'Zombie', templates);
      expect(calls).toEqual([templates.map((t) => t.replace('{}', 'Human')), templates.map((t) => t.replace('{}', 'Zombie'))]);
      const src = calls[0].map((t) => Float64Array.from(Float32Array.from(embed(t))));
      const tgt = calls[1].map((t) => Float64Array.from(Float32Array.from(embed(t))));
      expectClose(await dir.read(), textDirectionRef(src, tgt), 2e-5, 'textDirection via encoder');
      // Normalising after the mean instead would give a different direction for these varied norms.
      const { normalize } = await import('./reference/losses.js');
      const meanThenNorm = normalize(src[0].map((_, j) => tgt.reduce((a, r) => a + r[j], 0) - src.reduce((a, r) => a + r[j], 0)));
      const got = await dir.read();
      expect(Math.max(...got.map((v, j) => Math.abs(v - meanThenNorm[j])))).toBeGreaterThan(1e-3);
      const cls = classTextEmbedding(encode, 'Human', templates);
      expectClose(await cls.read(), classEmbeddingRef(src), 2e-5, 'classTextEmbedding via encoder');
    });
  });

  it('rejects mismatched embeddings and bad encoders before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const a = rt.tensor(new Float32Array(12), [3, 4]);
      const b = rt.tensor(new Float32Array(15), [3, 5]);
      const c = rt.tensor(new Float32Array(8), [2, 4]);
      const v = rt.tensor(new Float32Array(4), [4]);
      const live = rt.liveTensors;
      expect(() => textDirectionFromEmbeddings(a, b)).toThrow(/textDirection: .*source \[3, 4\], target \[3, 5\]/);
      expect(() => textDirectionFromEmbeddings(a, c)).toThrow(/textDirection: .*\[3, 4\].*\[2, 4\]/);
      expect(() => textDirectionFromEmbeddings(v, a)).toThrow(/textDirection: source template embeddings must be .*\[4\]/);
      expect(() => textDirection(() => c, 'a', 'b', ['{}', 'x {}', 'y {}'])).toThrow(/textDirection: the encoder returned \[2, 4\] for 3 texts of 'a'/);
      expect(() => composeWithTemplates('a', [])).toThrow(/composeWithTemplates: no templates/);
      expect(rt.liveTensors).toBe(live);
    });
  });
});

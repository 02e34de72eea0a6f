/** The adaptation and inversion panels' checks without a GPU: picked CLIP files, NADA options, the CLIP score gap, inversion steps. */
import { describe, expect, it } from 'vitest';
import { pickClipFiles } from '../src/clip-files.js';
import { ADAPT_LIMITS, checkAdaptOptions, scoreGap, type AdaptOptions } from '../src/text-adaptation.js';
import { invertImage, MAX_INVERT_STEPS } from '../src/image-inversion.js';

const file = (name: string, text = name) => ({ name, arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer });

describe('picked CLIP files', () => {
  it('pairs the weights with the vocabulary, in either order', async () => {
    const picked = await pickClipFiles([file('m.vocab.json', '{}'), file('m.safetensors', 'W')]);
    expect([picked.weightsName, picked.vocabularyName]).toEqual(['m.safetensors', 'm.vocab.json']);
    expect(new TextDecoder().decode(picked.weights)).toBe('W');
    expect(new TextDecoder().decode(picked.vocabulary)).toBe('{}');
  });

  it('refuses anything but one of each, listing what was picked', async () => {
    const why = 'CLIP files: pick two files together, the weights (.safetensors) and their vocabulary (.vocab.json); got ';
    await expect(pickClipFiles([file('m.safetensors')])).rejects.toThrow(`${why}m.safetensors`);
    await expect(pickClipFiles([file('a.json'), file('b.json')])).rejects.toThrow(`${why}a.json, b.json`);
    await expect(pickClipFiles([])).rejects.toThrow(`${why}nothing`);
  });
});

describe('adaptation options', () => {
  const ok: AdaptOptions = { source: 'red', target: 'blue', templates: ['a {} circle'], steps: 3, batch: 2, lr: 0.02 };

  it('accept the panel defaults and refuse each bad field with what to give', () => {
    expect(() => checkAdaptOptions(ok)).not.toThrow();
    expect(() => checkAdaptOptions({ ...ok, target: ' ' })).toThrow('Adaptation: give a source and a target class');
    expect(() => checkAdaptOptions({ ...ok, templates: [] })).toThrow("give at least one template with '{}'");
    expect(() => checkAdaptOptions({ ...ok, templates: ['a circle'] })).toThrow("the template 'a circle' has no '{}'");
    expect(() => checkAdaptOptions({ ...ok, steps: 0 })).toThrow(`steps must be an integer in 1–${ADAPT_LIMITS.steps}, got 0`);
    expect(() => checkAdaptOptions({ ...ok, steps: 2.5 })).toThrow('steps must be an integer');
    expect(() => checkAdaptOptions({ ...ok, batch: ADAPT_LIMITS.batch + 1 })).toThrow(`batch must be an integer in 1–${ADAPT_LIMITS.batch}`);
    expect(() => checkAdaptOptions({ ...ok, lr: Number.NaN })).toThrow('the learning rate must be in (0, 1], got NaN');
  });
});

describe('CLIP score gap', () => {
  it('is the mean of cos(image, target) − cos(image, source), whatever the vectors’ lengths', () => {
    // Image 1 lies on the target, image 2 halfway (45°) between target and source.
    const images = Float32Array.from([3, 0, 1, 1]);
    expect(scoreGap(images, [2, 0], [0, 5], 2)).toBeCloseTo((1 - 0 + (Math.SQRT1_2 - Math.SQRT1_2)) / 2, 6);
    expect(scoreGap(Float32Array.from([0, 1]), [1, 0], [0, 1], 2)).toBeCloseTo(-1, 6);
    expect(() => scoreGap(new Float32Array(3), [1, 0], [0, 1], 2)).toThrow('scoreGap: 3 values are not rows of 2');
  });
});

describe('inversion options', () => {
  it('refuse a step count outside 1–MAX_INVERT_STEPS before any GPU work', async () => {
    for (const steps of [0, 2.5, MAX_INVERT_STEPS + 1]) {
      await expect(invertImage(null as never, null as never, null as never, 'x.png', steps, () => {})).rejects.toThrow(`Inversion: steps must be an integer in 1–${MAX_INVERT_STEPS}, got ${steps}`);
    }
  });
});

// Captions say what the factors are: the test parses the words back with its own vocabulary.
import { describe, expect, it } from 'vitest';

import { FACES_FACTOR, SHAPES_FACTOR, HAIR_COLOURS, SHAPE_NAMES, hueName, loadWorld } from '../src/index.js';

const COLOURS = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'];
// The test's own word lists (synonyms a caption may use for each shape / expression).
const SHAPE_WORDS: Record<string, string[]> = {
  circle: ['circle', 'disc'],
  square: ['square'],
  triangle: ['triangle'],
  star: ['star'],
  cross: ['cross', 'plus sign'],
  heart: ['heart'],
};
const EXPRESSIONS: Record<string, string[]> = {
  frowning: ['frowning', 'sad', 'unhappy'],
  neutral: ['neutral', 'serious', 'expressionless'],
  smiling: ['smiling', 'happy', 'cheerful'],
};
const tercile = (v: number) => (v < 1 / 3 ? 0 : v > 2 / 3 ? 2 : 1);

function parseShapes(caption: string) {
  const shapes = Object.entries(SHAPE_WORDS).flatMap(([shape, ws]) =>
    ws.flatMap((w) => [...caption.matchAll(new RegExp(`\\b(\\w+) ${w}\\b`, 'g'))].map((m) => ({ shape, before: m[1], at: m.index! }))),
  );
  expect(shapes, caption).toHaveLength(1);
  const { shape, before } = shapes[0];
  const others = [...caption.matchAll(/\b(\w+)\b/g)].filter((m) => COLOURS.includes(m[1]) && m.index !== shapes[0].at);
  return { shape, colour: before, background: others.map((m) => m[1]) };
}

describe('world:shapes captions', () => {
  const world = loadWorld('world:shapes', { resolution: 16 });

  it('name the shape, its colour (right before the shape word), the background colour, size, texture and place', () => {
    const templates = new Set<string>();
    for (const split of ['train', 'test', 'heldout'] as const) {
      for (let i = 0; i < 400; i++) {
        const f = world.sampleFactors(i, { seed: 11, split });
        const caption = world.sampleCaption(i, f, { seed: 11, split });
        const parsed = parseShapes(caption);
        expect(parsed.shape, caption).toBe(SHAPE_NAMES[f[SHAPES_FACTOR.shape]]);
        expect(parsed.colour, caption).toBe(hueName(f[SHAPES_FACTOR.hue]));
        expect(parsed.background.length, caption).toBeLessThanOrEqual(1);
        for (const b of parsed.background) expect(b, caption).toBe(hueName(f[SHAPES_FACTOR.backgroundHue]));

        const size = tercile(f[SHAPES_FACTOR.size]);
        if (/\b(small|little)\b/.test(caption)) expect(size, caption).toBe(0);
        if (/\b(large|big)\b/.test(caption)) expect(size, caption).toBe(2);
        if (/\bmedium-sized\b/.test(caption)) expect(size, caption).toBe(1);
        expect(/\bstriped\b/.test(caption), caption).toBe(f[SHAPES_FACTOR.texture] === 1);
        if (/\b(plain|solid)\b/.test(caption)) expect(f[SHAPES_FACTOR.texture], caption).toBe(0);
        if (/\bleft\b/.test(caption)) expect(tercile(f[SHAPES_FACTOR.x]), caption).toBe(0);
        if (/\bright\b/.test(caption)) expect(tercile(f[SHAPES_FACTOR.x]), caption).toBe(2);
        if (/\btop\b/.test(caption)) expect(tercile(f[SHAPES_FACTOR.y]), caption).toBe(0);
        if (/\bbottom\b/.test(caption)) expect(tercile(f[SHAPES_FACTOR.y]), caption).toBe(2);
        if (/\b(centre|middle)\b/.test(caption)) {
          expect([tercile(f[SHAPES_FACTOR.x]), tercile(f[SHAPES_FACTOR.y])], caption).toEqual([1, 1]);
        }
        expect(caption, caption).not.toMatch(/\ba [aeiou]|\s{2}|^\s|\s$/);
        templates.add(caption.replace(/\b(\w+)\b/g, (w) => (COLOURS.includes(w) ? 'C' : w)).split(' ').slice(0, 3).join(' '));
      }
    }
    // Captions vary: more than a handful of distinct openings.
    expect(templates.size).toBeGreaterThan(10);
  });

  it('variant 0 is the canonical template', () => {
    const f = world.fromRecord({ shape: 'square', size: 0.1, x: 0.1, y: 0.1, rotation: 0.5, hue: 0, backgroundHue: 0.62, texture: 'plain', stripeFrequency: 0 });
    expect(world.caption(f)).toBe('a small red square near the top left on a blue background');
    const g = world.fromRecord({ shape: 'star', size: 0.9, texture: 'striped', hue: 0.33, backgroundHue: 0.1, x: 0.5, y: 0.5 }, f);
    expect(world.caption(g)).toBe('a large striped green star in the centre on an orange background');
  });

  it('changing the hue changes only the colour word; changing the shape only the shape word', () => {
    const f = world.sampleFactors(3, { seed: 1 });
    for (const variant of [0, 1, 2, 77, 12345]) {
      const a = world.caption(f, variant);
      const b = world.caption(world.fromRecord({ hue: 0.62 }, f), variant);
      const c = world.caption(world.fromRecord({ shape: 'heart' }, f), variant);
      expect(b).toBe(a.replace(new RegExp(`\\b${hueName(f[SHAPES_FACTOR.hue])} (${Object.values(SHAPE_WORDS).flat().join('|')})\\b`), 'blue $1'));
      expect(parseShapes(c).shape).toBe('heart');
    }
  });
});

describe('world:faces captions', () => {
  const world = loadWorld('world:faces', { resolution: 16 });

  it('name the expression, hair length and colour, eyes and glasses', () => {
    const seen = new Set<string>();
    for (const split of ['train', 'test', 'heldout'] as const) {
      for (let i = 0; i < 400; i++) {
        const f = world.sampleFactors(i, { seed: 5, split });
        const caption = world.sampleCaption(i, f, { seed: 5, split });
        seen.add(caption.split(' ').slice(0, 4).join(' '));
        const expression = Object.entries(EXPRESSIONS).filter(([, ws]) => ws.some((w) => new RegExp(`\\b${w}\\b`).test(caption)));
        expect(expression.map(([e]) => e), caption).toEqual([['frowning', 'neutral', 'smiling'][tercile(f[FACES_FACTOR.smile])]]);
        const hair = caption.match(/\b(short|medium-length|chin-length|long) (\w+) hair\b/);
        expect(hair, caption).not.toBeNull();
        expect(hair![2], caption).toBe(HAIR_COLOURS[f[FACES_FACTOR.hairColour]]);
        expect({ short: 0, 'medium-length': 1, 'chin-length': 1, long: 2 }[hair![1]], caption).toBe(tercile(f[FACES_FACTOR.hairLength]));
        expect(/\bglasses\b/.test(caption), caption).toBe(f[FACES_FACTOR.glasses] === 1);
        const eyes = caption.match(/\b(small|big|large) eyes\b/);
        expect(eyes ? (eyes[1] === 'small' ? 0 : 2) : 1, caption).toBe(tercile(f[FACES_FACTOR.eyeSize]));
        const skin = caption.match(/\b(light|medium|dark)-skinned\b/);
        if (skin) expect(['light', 'medium', 'dark'].indexOf(skin[1]), caption).toBe(tercile(f[FACES_FACTOR.skinTone]));
        const bg = caption.match(/\b(\w+) background\b/);
        if (bg) expect(bg[1], caption).toBe(hueName(f[FACES_FACTOR.backgroundHue]));
        expect(caption, caption).not.toMatch(/\ba [aeiou]|\s{2}|^\s|\s$/);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it('variant 0 is the canonical template', () => {
    const f = world.fromRecord({ skinTone: 0.5, hairColour: 'brown', hairLength: 0.9, eyeSize: 0.9, smile: 0.95, glasses: 'none', headSize: 0.5, headX: 0.5, headY: 0.5, backgroundHue: 0.3 });
    expect(world.caption(f)).toBe('a smiling face with long brown hair and big eyes');
    const g = world.fromRecord({ smile: 0.1, glasses: 'glasses', eyeSize: 0.5, hairLength: 0.1, hairColour: 'blue' }, f);
    expect(world.caption(g)).toBe('a frowning face with short blue hair and glasses');
  });
});

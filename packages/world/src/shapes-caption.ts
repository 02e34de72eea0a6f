/**
 * Captions for the shapes world. Every caption names the object's colour (its hue bin) right before the shape word,
 * so prompts such as "red" → "blue" or "circle" → "square" line up with factors. Rotation and stripe frequency
 * are not described.
 */

import { hueName } from './colour.js';
import { WordPicker, article, tercile, words } from './caption-words.js';
import { SHAPE_NAMES, type ShapeName } from './shape-outlines.js';

// Factor positions (kept local to avoid a cycle with shapes-world.ts; the order is SHAPES_SCHEMA's).
const SHAPE = 0;
const SIZE = 1;
const X = 2;
const Y = 3;
const HUE = 5;
const BACKGROUND_HUE = 6;
const TEXTURE = 7;

/** Synonyms per shape; the first is canonical. */
export const SHAPE_WORDS: Readonly<Record<ShapeName, readonly string[]>> = {
  circle: ['circle', 'disc'],
  square: ['square'],
  triangle: ['triangle'],
  star: ['star'],
  cross: ['cross', 'plus sign'],
  heart: ['heart'],
};

export const SIZE_WORDS = [['small', 'little'], ['', 'medium-sized'], ['large', 'big']] as const;

const COLUMNS = ['left', '', 'right'] as const;
const ROWS = ['top', '', 'bottom'] as const;

/** Where the centroid is, in thirds of the position range: "near the top left", "on the right", "in the centre". */
export function positionPhrase(x: number, y: number, pick: WordPicker): string {
  const col = COLUMNS[tercile(x)];
  const row = ROWS[tercile(y)];
  if (col && row) return pick.pick([`near the ${row} ${col}`, `in the ${row} ${col} corner`]);
  if (row) return pick.pick([`near the ${row}`, `at the ${row}`]);
  if (col) return pick.pick([`on the ${col}`, `near the ${col} side`]);
  return pick.pick(['in the centre', 'in the middle']);
}

export function shapesCaption(f: readonly number[], variant: number): string {
  const pick = new WordPicker(variant);
  const shape = pick.pick(SHAPE_WORDS[SHAPE_NAMES[f[SHAPE]]]);
  const colour = hueName(f[HUE]);
  const background = hueName(f[BACKGROUND_HUE]);
  const size = pick.pick(SIZE_WORDS[tercile(f[SIZE])]);
  const texture = f[TEXTURE] === 1 ? 'striped' : pick.pick(['', 'plain', 'solid']);
  const object = words(size, texture, colour, shape);
  const a = `${article(object)} ${object}`;
  const where = positionPhrase(f[X], f[Y], pick);
  const onBackground = pick.pick([
    `on ${article(background)} ${background} background`,
    `against ${article(background)} ${background} background`,
    `with ${article(background)} ${background} background`,
  ]);
  const templates = [
    () => words(a, where, onBackground),
    () => words(a, onBackground),
    () => words(a, where),
    () => words('a picture of', a, where, onBackground),
    () => words(a, 'on', background),
    () => words(article(background), background, 'background with', a, where),
  ];
  return pick.pick(templates)();
}

/**
 * The faces world: a front-facing cartoon head and shoulders on a pastel background.
 *
 * Layout is relative to the head (centre c, vertical radius r; the head is an ellipse 0.82r wide): shoulders,
 * neck, hair behind the head (its lower edge moves down with hair length), ears, head, fringe, eyebrows, eyes
 * (white, pupil), nose, mouth (a parabola whose curvature is the smile factor), glasses. Every pixel is a
 * function of the factor vector alone.
 */

import type { Canvas } from './canvas.js';
import { COLOUR_NAMES, type Rgb, hsvToRgb, hueInBin } from './colour.js';
import type { HeldoutRule, Split, WorldDefinition } from './definition.js';
import { facesCaption, expressionOf } from './faces-caption.js';
import type { Rng } from './random.js';
import { categorical, continuous, toPhysical } from './schema.js';
import { distPolyline, distSegment, sdBox, sdCircle, sdEllipse } from './sdf.js';

export const HAIR_COLOURS = ['black', 'brown', 'blonde', 'red', 'white', 'blue'] as const;
export type HairColour = (typeof HAIR_COLOURS)[number];
export const GLASSES = ['none', 'glasses'] as const;
export const EXPRESSIONS = ['frowning', 'neutral', 'smiling'] as const;
export type Expression = (typeof EXPRESSIONS)[number];

export const HAIR_RGB: Readonly<Record<HairColour, Rgb>> = {
  black: [0.1, 0.08, 0.08],
  brown: [0.42, 0.25, 0.12],
  blonde: [0.93, 0.79, 0.42],
  red: [0.78, 0.25, 0.09],
  white: [0.94, 0.94, 0.94],
  blue: [0.16, 0.36, 0.88],
};

/** Skin tone ramp from lightest (0) to darkest (1), interpolated linearly between stops. */
export const SKIN_STOPS: readonly Rgb[] = [
  [1.0, 0.87, 0.77],
  [0.95, 0.77, 0.63],
  [0.87, 0.65, 0.49],
  [0.72, 0.5, 0.34],
  [0.53, 0.35, 0.23],
  [0.36, 0.24, 0.17],
];

export const BACKGROUND_SATURATION = 0.3;
export const BACKGROUND_VALUE = 0.9;
/** Background colour names the sampler uses: orange and red are left out because pastel ones read as skin. */
export const FACE_BACKGROUND_NAMES = COLOUR_NAMES.filter((c) => c !== 'orange' && c !== 'red');

export const FACES_FACTOR = {
  skinTone: 0,
  hairColour: 1,
  hairLength: 2,
  eyeSize: 3,
  smile: 4,
  glasses: 5,
  headSize: 6,
  headX: 7,
  headY: 8,
  backgroundHue: 9,
} as const;

const eyeSize = continuous('eyeSize', 'Radius of the eye whites.', { physical: { from: 0.12, to: 0.21, unit: 'head radii' } });
const smile = continuous('smile', 'Mouth curvature: 0 a frown, 0.5 a straight mouth, 1 a smile.', {
  physical: { from: -1, to: 1, unit: 'curvature (corner lift over 0.11 head radii)' },
});
const headSize = continuous('headSize', 'Vertical radius of the head.', { physical: { from: 0.24, to: 0.3, unit: 'image widths' } });
const headX = continuous('headX', 'Horizontal position of the head centre.', { physical: { from: 0.44, to: 0.56, unit: 'image widths' } });
const headY = continuous('headY', 'Vertical position of the head centre (0 higher, 1 lower).', {
  physical: { from: 0.4, to: 0.5, unit: 'image widths' },
});
const hairLength = continuous('hairLength', 'How far the hair behind the head reaches: 0 cropped above the ears, 1 below the chin.', {
  physical: { from: -0.2, to: 1.3, unit: 'head radii below the head centre' },
});

export const FACES_SCHEMA = [
  continuous('skinTone', 'Skin tone from lightest (0) to darkest (1) along SKIN_STOPS.'),
  categorical('hairColour', HAIR_COLOURS, 'Hair (and eyebrow) colour.'),
  hairLength,
  eyeSize,
  smile,
  categorical('glasses', GLASSES, 'Round glasses over the eyes.'),
  headSize,
  headX,
  headY,
  continuous('backgroundHue', 'Background hue (pastel), sampled from FACE_BACKGROUND_NAMES.', {
    circular: true,
    physical: { from: 0, to: 360, unit: 'degrees' },
  }),
] as const;

/** (hair colour, expression) pairs never in train/test, only in heldout. */
export const FACES_HELDOUT_PAIRS: readonly (readonly [HairColour, Expression])[] = [
  ['blonde', 'frowning'],
  ['red', 'smiling'],
  ['blue', 'neutral'],
];

const heldout: HeldoutRule = {
  attributes: ['hairColour', 'expression'],
  pairs: FACES_HELDOUT_PAIRS,
  attributesOf: (f) => [HAIR_COLOURS[f[FACES_FACTOR.hairColour]], expressionOf(f[FACES_FACTOR.smile])],
  description:
    'The (hair colour, expression) pairs blonde–frowning, red–smiling and blue–neutral occur only in the heldout ' +
    'split (expression: smile below 1/3 frowning, above 2/3 smiling, neutral between).',
};

export function skinRgb(tone: number): Rgb {
  const t = Math.min(Math.max(tone, 0), 1) * (SKIN_STOPS.length - 1);
  const k = Math.min(Math.floor(t), SKIN_STOPS.length - 2);
  const u = t - k;
  const a = SKIN_STOPS[k];
  const b = SKIN_STOPS[k + 1];
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

const EXPRESSION_RANGES: Readonly<Record<Expression, [number, number]>> = {
  frowning: [0, 1 / 3],
  neutral: [1 / 3, 2 / 3],
  smiling: [2 / 3, 1],
};

function sampleFaces(rng: Rng, split: Split): number[] {
  let hair: HairColour;
  let expression: Expression;
  if (split === 'heldout') {
    [hair, expression] = rng.pick(FACES_HELDOUT_PAIRS);
  } else {
    do {
      hair = rng.pick(HAIR_COLOURS);
      expression = rng.pick(EXPRESSIONS);
    } while (FACES_HELDOUT_PAIRS.some(([h, e]) => h === hair && e === expression));
  }
  const u = (v: number) => Math.fround(v);
  // A smile drawn inside its expression's bin, kept strictly inside so float32 rounding cannot move it across.
  const [lo, hi] = EXPRESSION_RANGES[expression];
  let s = u(lo + (hi - lo) * (0.002 + 0.996 * rng.uniform()));
  if (expressionOf(s) !== expression) s = u((lo + hi) / 2);
  return [
    u(rng.uniform()),
    HAIR_COLOURS.indexOf(hair),
    u(rng.uniform()),
    u(rng.uniform()),
    s,
    rng.chance(0.35) ? 1 : 0,
    u(rng.uniform()),
    u(rng.uniform()),
    u(rng.uniform()),
    u(hueInBin(rng.pick(FACE_BACKGROUND_NAMES), rng.uniform())),
  ];
}

const scaled = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

function renderFaces(f: readonly number[], canvas: Canvas): void {
  const r = toPhysical(headSize, f[FACES_FACTOR.headSize]);
  const cx = toPhysical(headX, f[FACES_FACTOR.headX]);
  const cy = toPhysical(headY, f[FACES_FACTOR.headY]);
  const skin = skinRgb(f[FACES_FACTOR.skinTone]);
  const hair = HAIR_RGB[HAIR_COLOURS[f[FACES_FACTOR.hairColour]]];
  const rx = 0.82 * r;
  const box = (x0: number, y0: number, x1: number, y1: number) => ({ x0, y0, x1, y1 });

  canvas.fill(hsvToRgb(f[FACES_FACTOR.backgroundHue], BACKGROUND_SATURATION, BACKGROUND_VALUE));

  // Shoulders: a wide ellipse reaching past the bottom edge, in a fixed slate colour.
  const sx = 1.25 * r;
  const sy = 0.8 * r;
  const scy = cy + 1.75 * r;
  canvas.paint((x, y) => sdEllipse(x - cx, y - scy, sx, sy), [0.3, 0.34, 0.42], box(cx - sx, scy - sy, cx + sx, scy + sy));

  // Neck, a shade darker than the face.
  canvas.paint((x, y) => sdBox(x - cx, y - (cy + 0.95 * r), 0.26 * r, 0.4 * r), scaled(skin, 0.88), box(cx - 0.3 * r, cy + 0.5 * r, cx + 0.3 * r, cy + 1.4 * r));

  // Ears, drawn before the hair so long hair covers them.
  const earY = cy + 0.05 * r;
  for (const side of [-1, 1]) {
    const ex = cx + side * 0.8 * r;
    canvas.paint((x, y) => sdEllipse(x - ex, y - earY, 0.14 * r, 0.2 * r), scaled(skin, 0.95), box(ex - 0.2 * r, earY - 0.25 * r, ex + 0.2 * r, earY + 0.25 * r));
  }

  // Hair behind the head: a rounded box from above the crown down to the length's lower edge.
  const bottom = cy + toPhysical(hairLength, f[FACES_FACTOR.hairLength]) * r;
  const top = cy - 1.1 * r;
  const halfW = 1.02 * r;
  const round = 0.45 * r;
  const midY = (top + bottom) / 2;
  const halfH = (bottom - top) / 2;
  canvas.paint(
    (x, y) => sdBox(x - cx, y - midY, halfW - round, halfH - round) - round,
    hair,
    box(cx - halfW, top, cx + halfW, bottom),
  );

  // Head.
  canvas.paint((x, y) => sdEllipse(x - cx, y - cy, rx, r), skin, box(cx - rx, cy - r, cx + rx, cy + r));

  // Fringe: the top of a slightly larger ellipse, above a line across the forehead.
  const fringeY = cy - 0.42 * r;
  canvas.paint(
    (x, y) => Math.max(sdEllipse(x - cx, y - (cy - 0.06 * r), 0.9 * r, 1.06 * r), y - fringeY - 0.04 * r * Math.cos(((x - cx) / r) * 9)),
    hair,
    box(cx - 0.9 * r, cy - 1.12 * r, cx + 0.9 * r, fringeY + 0.05 * r),
  );

  const eyeR = toPhysical(eyeSize, f[FACES_FACTOR.eyeSize]) * r;
  const eyeY = cy - 0.1 * r;
  const eyeDx = 0.36 * r;
  const dark: Rgb = [0.08, 0.07, 0.09];

  for (const side of [-1, 1]) {
    const ex = cx + side * eyeDx;
    // Eyebrow: a short thick stroke above the eye, in the hair colour darkened a little (white hair stays visible).
    const by = eyeY - eyeR * 1.15 - 0.12 * r;
    const b0 = ex - 0.16 * r;
    const b1 = ex + 0.16 * r;
    const browRgb = scaled(hair, 0.8);
    canvas.paint((x, y) => distSegment(x, y, b0, by, b1, by) - 0.045 * r, browRgb, box(b0 - 0.05 * r, by - 0.05 * r, b1 + 0.05 * r, by + 0.05 * r));
    // Eye white and pupil.
    canvas.paint((x, y) => sdEllipse(x - ex, y - eyeY, eyeR, eyeR * 1.15), [0.98, 0.98, 0.98], box(ex - eyeR, eyeY - 1.15 * eyeR, ex + eyeR, eyeY + 1.15 * eyeR));
    const pr = 0.5 * eyeR;
    const py = eyeY + 0.15 * eyeR;
    canvas.paint((x, y) => sdCircle(x - ex, y - py, pr), dark, box(ex - pr, py - pr, ex + pr, py + pr));
  }

  // Nose: a small darker ellipse.
  const ny = cy + 0.18 * r;
  canvas.paint((x, y) => sdEllipse(x - cx, y - ny, 0.07 * r, 0.1 * r), scaled(skin, 0.82), box(cx - 0.08 * r, ny - 0.11 * r, cx + 0.08 * r, ny + 0.11 * r));

  // Mouth: y(t) = my + k·a·(0.5 − t²) over t ∈ [−1, 1], so a smile (k > 0) lifts the corners above the centre.
  const k = toPhysical(smile, f[FACES_FACTOR.smile]);
  const w = 0.34 * r;
  const a = 0.22 * r;
  const my = cy + 0.52 * r;
  const segments = 12;
  const pts = new Float64Array(2 * (segments + 1));
  for (let s = 0; s <= segments; s++) {
    const t = -1 + (2 * s) / segments;
    pts[2 * s] = cx + w * t;
    pts[2 * s + 1] = my + k * a * (0.5 - t * t);
  }
  const lip = 0.055 * r;
  canvas.paint((x, y) => distPolyline(x, y, pts) - lip, [0.42, 0.04, 0.08], box(cx - w - lip, my - a - lip, cx + w + lip, my + a + lip));

  if (f[FACES_FACTOR.glasses] === 1) {
    const ringR = eyeR * 1.2 + 0.07 * r;
    const t = 0.045 * r;
    for (const side of [-1, 1]) {
      const ex = cx + side * eyeDx;
      canvas.paint((x, y) => Math.abs(sdCircle(x - ex, y - eyeY, ringR)) - t, dark, box(ex - ringR - t, eyeY - ringR - t, ex + ringR + t, eyeY + ringR + t));
    }
    const inner = eyeDx - ringR;
    if (inner > 0) {
      canvas.paint((x, y) => distSegment(x, y, cx - inner, eyeY, cx + inner, eyeY) - t, dark, box(cx - inner - t, eyeY - t, cx + inner + t, eyeY + t));
    }
  }
}

export const FACES_WORLD: WorldDefinition = {
  name: 'faces',
  schema: FACES_SCHEMA,
  heldout,
  sampleFactors: sampleFaces,
  render: renderFaces,
  caption: facesCaption,
};

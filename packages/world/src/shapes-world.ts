/**
 * The shapes world: one flat-coloured (optionally striped) shape on a pastel background.
 *
 * Every pixel is a function of the factor vector alone. The object's colour is HSV(hue, 0.85, 0.92), saturated
 * enough to name; its stripes are the same colour at 45% brightness (same hue, so the mean colour of a striped
 * object keeps its hue); the background is HSV(backgroundHue, 0.35, 0.93).
 */

import type { Canvas } from './canvas.js';
import { COLOUR_NAMES, type ColourName, type Rgb, hsvToRgb, hueInBin, hueName } from './colour.js';
import type { HeldoutRule, Split, WorldDefinition } from './definition.js';
import type { Rng } from './random.js';
import { categorical, continuous, toPhysical } from './schema.js';
import { SHAPE_NAMES, type ShapeName, shapeBoundingRadius, shapeDistance } from './shape-outlines.js';
import { shapesCaption } from './shapes-caption.js';

export const OBJECT_SATURATION = 0.85;
export const OBJECT_VALUE = 0.92;
export const STRIPE_VALUE_SCALE = 0.45;
export const BACKGROUND_SATURATION = 0.35;
export const BACKGROUND_VALUE = 0.93;

export const TEXTURES = ['plain', 'striped'] as const;

/** Indices of the shapes world's factors. */
export const SHAPES_FACTOR = {
  shape: 0,
  size: 1,
  x: 2,
  y: 3,
  rotation: 4,
  hue: 5,
  backgroundHue: 6,
  texture: 7,
  stripeFrequency: 8,
} as const;

const size = continuous('size', 'Object size as the radius of a circle of the same area (every shape has equal area at equal size).', {
  physical: { from: 0.1, to: 0.24, unit: 'image widths' },
});
const x = continuous('x', "Horizontal position of the object's area centroid (0 left … 1 right).", {
  physical: { from: 0.28, to: 0.72, unit: 'image widths' },
});
const y = continuous('y', "Vertical position of the object's area centroid (0 top … 1 bottom).", {
  physical: { from: 0.28, to: 0.72, unit: 'image widths' },
});
const rotation = continuous(
  'rotation',
  'Tilt of the object (and its stripes), counter-clockwise as seen; invisible for a plain circle.',
  { physical: { from: -30, to: 30, unit: 'degrees' } },
);
const hue = continuous('hue', 'Object hue; its colour name comes from hueName().', {
  circular: true,
  physical: { from: 0, to: 360, unit: 'degrees' },
});
const backgroundHue = continuous('backgroundHue', 'Background hue (pastel); sampled with a colour name other than the object’s.', {
  circular: true,
  physical: { from: 0, to: 360, unit: 'degrees' },
});
const stripeFrequency = continuous(
  'stripeFrequency',
  'Stripes per image width (one dark and one light band each); irrelevant when the texture is plain.',
  { physical: { from: 5.5, to: 11, unit: 'stripes per image width' } },
);

export const SHAPES_SCHEMA = [
  categorical('shape', SHAPE_NAMES, 'Outline of the object.'),
  size,
  x,
  y,
  rotation,
  hue,
  backgroundHue,
  categorical('texture', TEXTURES, 'Plain, or dark stripes of the same hue.'),
  stripeFrequency,
] as const;

/** (shape, colour name) pairs never in train/test, only in heldout; each shape and colour is held out once. */
export const SHAPES_HELDOUT_PAIRS: readonly (readonly [ShapeName, ColourName])[] = [
  ['circle', 'green'],
  ['square', 'purple'],
  ['triangle', 'blue'],
  ['star', 'orange'],
  ['cross', 'pink'],
  ['heart', 'cyan'],
];

const heldout: HeldoutRule = {
  attributes: ['shape', 'colour'],
  pairs: SHAPES_HELDOUT_PAIRS,
  attributesOf: (f) => [SHAPE_NAMES[f[SHAPES_FACTOR.shape]], hueName(f[SHAPES_FACTOR.hue])],
  description:
    'The (shape, object colour name) pairs circle–green, square–purple, triangle–blue, star–orange, cross–pink and ' +
    'heart–cyan occur only in the heldout split; train and test never contain them.',
};

/** Where a factor vector puts the object, in normalised image coordinates. */
export interface ShapesGeometry {
  shape: ShapeName;
  /** Centroid. */
  cx: number;
  cy: number;
  /** Equal-area radius. */
  radius: number;
  /** Counter-clockwise as seen, radians. */
  angle: number;
}

export function shapesGeometry(f: readonly number[]): ShapesGeometry {
  return {
    shape: SHAPE_NAMES[f[SHAPES_FACTOR.shape]],
    cx: toPhysical(x, f[SHAPES_FACTOR.x]),
    cy: toPhysical(y, f[SHAPES_FACTOR.y]),
    radius: toPhysical(size, f[SHAPES_FACTOR.size]),
    angle: (toPhysical(rotation, f[SHAPES_FACTOR.rotation]) * Math.PI) / 180,
  };
}

function sampleShapes(rng: Rng, split: Split): number[] {
  let shape: ShapeName;
  let colour: ColourName;
  if (split === 'heldout') {
    [shape, colour] = rng.pick(SHAPES_HELDOUT_PAIRS);
  } else {
    do {
      shape = rng.pick(SHAPE_NAMES);
      colour = rng.pick(COLOUR_NAMES);
    } while (SHAPES_HELDOUT_PAIRS.some(([s, c]) => s === shape && c === colour));
  }
  const objectHue = hueInBin(colour, rng.uniform());
  const backgroundName = rng.pick(COLOUR_NAMES.filter((c) => c !== colour));
  const bgHue = hueInBin(backgroundName, rng.uniform());
  const u = (v: number) => Math.fround(v);
  return [
    SHAPE_NAMES.indexOf(shape),
    u(rng.uniform()),
    u(rng.uniform()),
    u(rng.uniform()),
    u(rng.uniform()),
    u(objectHue),
    u(bgHue),
    rng.chance(0.5) ? 1 : 0,
    u(rng.uniform()),
  ];
}

function renderShapes(f: readonly number[], canvas: Canvas): void {
  const g = shapesGeometry(f);
  const objectRgb = hsvToRgb(f[SHAPES_FACTOR.hue], OBJECT_SATURATION, OBJECT_VALUE);
  const stripeRgb = hsvToRgb(f[SHAPES_FACTOR.hue], OBJECT_SATURATION, OBJECT_VALUE * STRIPE_VALUE_SCALE);
  canvas.fill(hsvToRgb(f[SHAPES_FACTOR.backgroundHue], BACKGROUND_SATURATION, BACKGROUND_VALUE));

  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const r = g.radius;
  // Screen offset (dx, dy) → the shape's own frame: the inverse of a visual counter-clockwise turn in a y-down image.
  const sd = (px: number, py: number) => {
    const dx = px - g.cx;
    const dy = py - g.cy;
    return shapeDistance(g.shape, (dx * cos - dy * sin) / r, (dx * sin + dy * cos) / r) * r;
  };
  const reach = shapeBoundingRadius(g.shape) * r;
  const box = { x0: g.cx - reach, y0: g.cy - reach, x1: g.cx + reach, y1: g.cy + reach };

  if (f[SHAPES_FACTOR.texture] === 0) {
    canvas.paint(sd, objectRgb, box);
    return;
  }
  // Stripes run along the shape's own x axis, with a dark band centred on the centroid; each band's edges are
  // antialiased like shape edges (coverage from the distance to the nearest band edge).
  const period = 1 / toPhysical(stripeFrequency, f[SHAPES_FACTOR.stripeFrequency]);
  const R = canvas.resolution;
  const shader = (px: number, py: number, out: Rgb) => {
    const ly = (px - g.cx) * sin + (py - g.cy) * cos;
    const t = ly / period + 0.25;
    const frac = t - Math.floor(t);
    const into = (frac < 0.5 ? Math.min(frac, 0.5 - frac) : -Math.min(frac - 0.5, 1 - frac)) * period;
    let a = 0.5 + into * R;
    a = a < 0 ? 0 : a > 1 ? 1 : a;
    out[0] = objectRgb[0] + (stripeRgb[0] - objectRgb[0]) * a;
    out[1] = objectRgb[1] + (stripeRgb[1] - objectRgb[1]) * a;
    out[2] = objectRgb[2] + (stripeRgb[2] - objectRgb[2]) * a;
  };
  canvas.paint(sd, shader, box);
}

export const SHAPES_WORLD: WorldDefinition = {
  name: 'shapes',
  schema: SHAPES_SCHEMA,
  heldout,
  sampleFactors: sampleShapes,
  render: renderShapes,
  caption: shapesCaption,
};

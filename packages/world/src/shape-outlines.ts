/**
 * The outlines of the shapes world, each normalised to the same area as a unit circle (π) and centred on its own
 * area centroid. So one "size" means one area for every shape, and one "position" is where the object's centroid
 * is, whatever the shape. Coordinates are image-oriented (y down): the triangle and the star point up.
 */

import { Polygon } from './sdf.js';

export const SHAPE_NAMES = ['circle', 'square', 'triangle', 'star', 'cross', 'heart'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Moves a polygon's centroid to the origin and scales it to area π. */
function normalised(points: number[]): Polygon {
  const raw = new Polygon(points);
  const { area, cx, cy } = raw.areaAndCentroid();
  return raw.transformed(-cx, -cy, Math.sqrt(Math.PI / Math.abs(area)));
}

function regularStar(points: number, innerRatio: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 2 * points; k++) {
    const r = k % 2 === 0 ? 1 : innerRatio;
    const a = -Math.PI / 2 + (k * Math.PI) / points; // first vertex straight up (y down)
    out.push(r * Math.cos(a), r * Math.sin(a));
  }
  return out;
}

function regularPolygon(sides: number, startAngle: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < sides; k++) {
    const a = startAngle + (2 * Math.PI * k) / sides;
    out.push(Math.cos(a), Math.sin(a));
  }
  return out;
}

/** A plus sign: arms of half-width w reaching 1 from the centre. */
function plus(w: number): number[] {
  return [w, -1, w, -w, 1, -w, 1, w, w, w, w, 1, -w, 1, -w, w, -1, w, -1, -w, -w, -w, -w, -1];
}

/** The classic heart curve x = 16 sin³t, y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t, flipped to y down. */
function heart(samples: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < samples; k++) {
    const t = (2 * Math.PI * k) / samples;
    const x = 16 * Math.sin(t) ** 3;
    const y = 13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t);
    out.push(x, -y);
  }
  return out;
}

/** Unit-area-circle polygons for every shape but the circle (drawn exactly). */
export const SHAPE_POLYGONS: Readonly<Record<Exclude<ShapeName, 'circle'>, Polygon>> = {
  square: normalised(regularPolygon(4, Math.PI / 4)),
  triangle: normalised(regularPolygon(3, -Math.PI / 2)),
  star: normalised(regularStar(5, 0.45)),
  cross: normalised(plus(0.36)),
  heart: normalised(heart(72)),
};

/** Signed distance to a shape of equal-area radius 1 centred on its centroid, in its own (unrotated) frame. */
export function shapeDistance(shape: ShapeName, x: number, y: number): number {
  if (shape === 'circle') return Math.sqrt(x * x + y * y) - 1;
  return SHAPE_POLYGONS[shape].signedDistance(x, y);
}

/** Largest extent of a shape of equal-area radius 1 from its centroid. */
export function shapeBoundingRadius(shape: ShapeName): number {
  return shape === 'circle' ? 1 : SHAPE_POLYGONS[shape].boundingRadius;
}

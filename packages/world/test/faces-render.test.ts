// The faces world's pixels agree with its factors, measured from the image: hair colour and extent, smile
// curvature, eye size, glasses, skin tone, background hue.
import { describe, expect, it } from 'vitest';

import { FACES_FACTOR as F, FACES_SCHEMA, HAIR_COLOURS, HAIR_RGB, hueName, loadWorld, skinRgb, type ContinuousFactor } from '../src/index.js';
import { type Image, borderColour, circularHueError, count, distance, hueOf, maskNear, meanColour, rgbAt } from './measure.js';

const physical = (name: string, v: number) => {
  const spec = FACES_SCHEMA.find((s) => s.name === name) as ContinuousFactor;
  return spec.physical!.from + (spec.physical!.to - spec.physical!.from) * v;
};

const MOUTH: [number, number, number] = [0.42, 0.04, 0.08];
const EYE_WHITE: [number, number, number] = [0.98, 0.98, 0.98];

describe('world:faces renders what its factors say', () => {
  const world = loadWorld('world:faces', { resolution: 64 });
  const R = world.resolution;
  const neutralFace = world.fromRecord({
    skinTone: 0.3,
    hairColour: 'brown',
    hairLength: 0.2,
    eyeSize: 0.5,
    smile: 0.5,
    glasses: 'none',
    headSize: 0.5,
    headX: 0.5,
    headY: 0.5,
    backgroundHue: 0.6,
  });
  const image = (record: Record<string, number | string>): Image => ({ R, px: world.render(world.fromRecord(record, neutralFace)) });

  it('background hue matches the factor on sampled faces', () => {
    for (let i = 0; i < 24; i++) {
      const f = world.sampleFactors(i, { seed: 2 });
      const bg = borderColour({ R, px: world.render(f) });
      expect(circularHueError(hueOf(bg), f[F.backgroundHue])).toBeLessThan(2e-3);
      expect(hueName(hueOf(bg))).toBe(hueName(f[F.backgroundHue]));
    }
  });

  it('hair has the stated colour, above the forehead, and covers more with longer hair', () => {
    for (const hair of HAIR_COLOURS) {
      const img = image({ hairColour: hair });
      // The crown: just below the top of the head, on the centre line.
      const cy = physical('headY', 0.5) * R;
      const r = physical('headSize', 0.5) * R;
      expect(distance(rgbAt(img, R / 2, Math.floor(cy - 0.85 * r)), HAIR_RGB[hair]), hair).toBeLessThan(1e-3);
      let previous = -1;
      for (const hairLength of [0, 0.3, 0.6, 1]) {
        const n = count(maskNear(image({ hairColour: hair, hairLength }), HAIR_RGB[hair], 0.02));
        expect(n, `${hair} at length ${hairLength}`).toBeGreaterThan(previous);
        previous = n;
      }
    }
  });

  it('the mouth bends from a frown to a smile as the smile factor grows', () => {
    const bend = (smile: number) => {
      const img = image({ smile });
      const mouth = maskNear(img, MOUTH, 0.05);
      // Mean row of mouth pixels in the central columns minus that in the outer columns (positive: centre lower).
      const rows = (near: (i: number) => boolean) => {
        let s = 0;
        let n = 0;
        for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) if (mouth[j * R + i] && near(i)) {
          s += j;
          n++;
        }
        return s / n;
      };
      const r = physical('headSize', 0.5) * R;
      const centre = rows((i) => Math.abs(i + 0.5 - R / 2) < 0.1 * r);
      const corners = rows((i) => Math.abs(i + 0.5 - R / 2) > 0.25 * r);
      return centre - corners;
    };
    const bends = [0, 0.25, 0.5, 0.75, 1].map(bend);
    for (let k = 1; k < bends.length; k++) expect(bends[k]).toBeGreaterThan(bends[k - 1]);
    expect(bends[0]).toBeLessThan(-1); // a frown: centre at least a pixel above the corners
    expect(Math.abs(bends[2])).toBeLessThan(0.5); // straight
    expect(bends[4]).toBeGreaterThan(1); // a smile
  });

  it('eye whites grow with eye size, as the stated radius', () => {
    let previous = 0;
    for (const eyeSize of [0, 0.5, 1]) {
      const whites = count(maskNear(image({ eyeSize, hairColour: 'black' }), EYE_WHITE, 0.2));
      expect(whites).toBeGreaterThan(previous);
      previous = whites;
    }
    // Whites are ellipses (radius e, 1.15 e tall) minus a pupil of radius e/2: 2·π·e²·(1.15 − 0.25) pixels.
    const r = physical('headSize', 0.5) * R;
    const e = physical('eyeSize', 1) * r;
    const expected = 2 * Math.PI * e * e * (1.15 - 0.25);
    // Threshold halfway from white to the skin, so that half-covered rim pixels count as half.
    const skin = skinRgb(neutralFace[F.skinTone]);
    const whites = count(maskNear(image({ eyeSize: 1, hairColour: 'black' }), EYE_WHITE, distance(EYE_WHITE, skin) / 2));
    expect(Math.abs(whites / expected - 1)).toBeLessThan(0.15);
  });

  it('glasses add dark rims around the eyes and change nothing far from them', () => {
    const dark: [number, number, number] = [0.08, 0.07, 0.09];
    const without = image({ glasses: 'none', hairColour: 'blonde' });
    const withGlasses = image({ glasses: 'glasses', hairColour: 'blonde' });
    // Rims are about 1.5 px wide: count pixels at least half covered by the rim colour.
    const skin = skinRgb(neutralFace[F.skinTone]);
    const rims = count(maskNear(withGlasses, dark, distance(dark, skin) / 2)) - count(maskNear(without, dark, distance(dark, skin) / 2));
    // Two rings of radius ρ = 1.2 e + 0.07 r and width 0.09 r: 2 · 2πρ · 0.09 r pixels (the bridge adds a little).
    const rr = physical('headSize', 0.5) * R;
    const rho = 1.2 * physical('eyeSize', 0.5) * rr + 0.07 * rr;
    expect(rims / (2 * 2 * Math.PI * rho * 0.09 * rr)).toBeGreaterThan(0.8);
    expect(rims / (2 * 2 * Math.PI * rho * 0.09 * rr)).toBeLessThan(1.4);
    const cy = physical('headY', 0.5) * R;
    const r = physical('headSize', 0.5) * R;
    for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) {
      if (Math.abs(j + 0.5 - (cy - 0.1 * r)) > 0.5 * r) expect(rgbAt(withGlasses, i, j)).toEqual(rgbAt(without, i, j));
    }
  });

  it('the cheeks have the stated skin tone, darker as the tone grows', () => {
    let previous = Infinity;
    for (const skinTone of [0, 0.25, 0.5, 0.75, 1]) {
      const img = image({ skinTone });
      const cy = physical('headY', 0.5) * R;
      const r = physical('headSize', 0.5) * R;
      // A patch on the left cheek, between eye, nose and mouth.
      const patch = new Uint8Array(R * R);
      for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) {
        if (Math.hypot(i + 0.5 - (R / 2 - 0.5 * r), j + 0.5 - (cy + 0.25 * r)) < 0.1 * r) patch[j * R + i] = 1;
      }
      expect(count(patch)).toBeGreaterThan(0);
      const cheek = meanColour(img, patch);
      expect(distance(cheek, skinRgb(skinTone))).toBeLessThan(1e-3);
      const luma = 0.3 * cheek[0] + 0.59 * cheek[1] + 0.11 * cheek[2];
      expect(luma).toBeLessThan(previous);
      previous = luma;
    }
  });

  it('head size and position move the face: the eyes follow the head centre and their spacing the head radius', () => {
    const skin = skinRgb(neutralFace[F.skinTone]);
    // Centroids of the two eye whites (left and right of the eyes' mean column).
    const eyes = (record: Record<string, number | string>) => {
      const m = maskNear(image({ ...record, hairColour: 'black' }), EYE_WHITE, distance(EYE_WHITE, skin) / 2);
      const pts: [number, number][] = [];
      for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) if (m[j * R + i]) pts.push([i + 0.5, j + 0.5]);
      const mid = pts.reduce((a, p) => a + p[0], 0) / pts.length;
      const mean = (q: [number, number][]) => ({ x: q.reduce((a, p) => a + p[0], 0) / q.length, y: q.reduce((a, p) => a + p[1], 0) / q.length });
      const left = mean(pts.filter((p) => p[0] < mid));
      const right = mean(pts.filter((p) => p[0] >= mid));
      return { x: (left.x + right.x) / 2, y: (left.y + right.y) / 2, spacing: right.x - left.x };
    };
    for (const headSize of [0, 1]) {
      for (const [headX, headY] of [[0, 0], [1, 0.3], [0.4, 1]]) {
        const e = eyes({ headX, headY, headSize });
        const r = physical('headSize', headSize) * R;
        // Eyes sit 0.1 head radii above the centre, 0.36 head radii either side of it.
        expect(Math.abs(e.x - physical('headX', headX) * R)).toBeLessThan(0.5);
        expect(Math.abs(e.y - (physical('headY', headY) * R - 0.1 * r))).toBeLessThan(0.5);
        expect(Math.abs(e.spacing - 0.72 * r)).toBeLessThan(0.5);
      }
    }
  });
});

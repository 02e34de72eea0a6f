// The shapes world's pixels agree with its factors, measured from the image alone: background and object hue,
// the object's centroid and area, its tilt, its stripes.
import { describe, expect, it } from 'vitest';

import { SHAPES_FACTOR as F, SHAPES_SCHEMA, hueName, loadWorld, type ContinuousFactor } from '../src/index.js';
import {
  type Image,
  borderColour,
  centroid,
  circularHueError,
  count,
  distance,
  erode,
  hueOf,
  maskAwayFrom,
  meanColour,
  rgbAt,
} from './measure.js';

// Physical values from the schema's documented mapping (the test reads the schema, not the renderer).
const physical = (name: string, v: number) => {
  const spec = SHAPES_SCHEMA.find((s) => s.name === name) as ContinuousFactor;
  return spec.physical!.from + (spec.physical!.to - spec.physical!.from) * v;
};

function measure(world: ReturnType<typeof loadWorld>, f: number[]) {
  const R = world.resolution;
  const img: Image = { R, px: world.render(f) };
  const bg = borderColour(img);
  const cx = physical('x', f[F.x]) * R;
  const cy = physical('y', f[F.y]) * R;
  const inside = rgbAt(img, Math.floor(cx), Math.floor(cy));
  // Threshold halfway between background and object colour: a pixel is in the mask when it is more than half
  // covered, so the mask's area and centroid are unbiased estimates of the shape's.
  const mask = maskAwayFrom(img, bg, distance(bg, inside) / 2);
  return { img, bg, mask, cx, cy, R };
}

describe('world:shapes renders what its factors say', () => {
  const world = loadWorld('world:shapes', { resolution: 64 });

  it('background hue, object hue, centroid and area match the factors on 48 sampled plain scenes', () => {
    let worstCentroid = 0;
    let worstArea = 0;
    for (let i = 0; i < 48; i++) {
      // Sizes up to 0.5 so even a star fits inside the frame at any position; plain, for an exact area.
      const base = world.sampleFactors(i, { seed: 3 });
      const f = world.fromRecord({ size: base[F.size] * 0.5, texture: 'plain' }, base);
      const { img, bg, mask, cx, cy, R } = measure(world, f);

      expect(circularHueError(hueOf(bg), f[F.backgroundHue])).toBeLessThan(2e-3);
      expect(hueName(hueOf(bg))).toBe(hueName(f[F.backgroundHue]));

      const object = meanColour(img, erode(mask, R));
      expect(circularHueError(hueOf(object), f[F.hue])).toBeLessThan(2e-3);
      expect(hueName(hueOf(object))).toBe(hueName(f[F.hue]));

      const c = centroid(mask, R);
      const err = Math.hypot(c.x - cx, c.y - cy);
      worstCentroid = Math.max(worstCentroid, err);
      expect(err, `sample ${i} (${world.toRecord(f).shape}) centroid`).toBeLessThan(0.5);

      const radius = physical('size', f[F.size]) * R;
      const areaErr = Math.abs(count(mask) / (Math.PI * radius * radius) - 1);
      worstArea = Math.max(worstArea, areaErr);
      expect(areaErr, `sample ${i} (${world.toRecord(f).shape}) area`).toBeLessThan(0.04);
    }
    console.log(`shapes 64px: worst centroid error ${worstCentroid.toFixed(3)} px, worst relative area error ${worstArea.toFixed(4)}`);
  });

  it('at 32 px the centroid is still within a pixel', () => {
    const small = loadWorld('world:shapes', { resolution: 32 });
    for (let i = 0; i < 16; i++) {
      const base = small.sampleFactors(i, { seed: 9 });
      const f = small.fromRecord({ size: 0.2 + 0.3 * base[F.size], texture: 'plain' }, base);
      const { mask, cx, cy, R } = measure(small, f);
      const c = centroid(mask, R);
      expect(Math.hypot(c.x - cx, c.y - cy)).toBeLessThan(1);
    }
  });

  it('area grows with size for every shape, as π·r² of the stated equal-area radius', () => {
    for (const shape of SHAPES_SCHEMA[F.shape].kind === 'categorical' ? SHAPES_SCHEMA[F.shape].classes : []) {
      let previous = 0;
      for (const size of [0, 0.2, 0.45, 0.7, 1]) {
        const f = world.fromRecord({ shape, size, x: 0.5, y: 0.5, rotation: 0.37, hue: 0.6, backgroundHue: 0.1, texture: 'plain', stripeFrequency: 0 });
        const { mask, R } = measure(world, f);
        const area = count(mask);
        const radius = physical('size', size) * R;
        expect(Math.abs(area / (Math.PI * radius * radius) - 1), `${shape} at size ${size}`).toBeLessThan(0.04);
        expect(area).toBeGreaterThan(previous);
        previous = area;
      }
    }
  });

  it('striped objects keep their hue, and the stripes are spaced one stated period apart, centred on the centroid', () => {
    for (let i = 0; i < 24; i++) {
      const base = world.sampleFactors(i, { seed: 5 });
      const f = world.fromRecord({ size: 0.5 + 0.5 * base[F.size], x: 0.5, y: 0.5, texture: 'striped' }, base);
      const { img, mask, R } = measure(world, f);
      const interior = erode(mask, R);
      expect(circularHueError(hueOf(meanColour(img, interior)), f[F.hue])).toBeLessThan(2e-3);
    }
    // An upright square (rotation 0.5 = 0°) at the centre: the dark bands down its middle column are spaced one
    // stripe period apart, and one is centred on the centroid.
    const bands = (frequency: number) => {
      const f = world.fromRecord({ shape: 'square', size: 1, x: 0.5, y: 0.5, rotation: 0.5, hue: 0.0, backgroundHue: 0.5, texture: 'striped', stripeFrequency: frequency });
      const { img, mask, R } = measure(world, f);
      const column = R / 2;
      // Darkness weight of a pixel: 0 for the object colour, 1 for the stripe colour (red channel 0.92 vs 0.41).
      const centres: number[] = [];
      let run: { w: number; wy: number } | undefined;
      for (let j = 0; j < R; j++) {
        const w = mask[j * R + column] ? Math.min(1, Math.max(0, (0.92 - rgbAt(img, column, j)[0]) / (0.92 - 0.414))) : 0;
        if (w > 0.02) {
          run = run ?? { w: 0, wy: 0 };
          run.w += w;
          run.wy += w * (j + 0.5);
        } else if (run) {
          centres.push(run.wy / run.w);
          run = undefined;
        }
      }
      if (run) centres.push(run.wy / run.w);
      // Runs cut by the square's edge have biased centres: keep the ones away from the edges.
      // (a band centred at c is whole when |c| + period/4 stays inside the square's half-side of 0.213 R).
      const interior = centres.filter((c) => Math.abs(c - R / 2) + R / physical('stripeFrequency', frequency) / 4 + 0.5 < 0.213 * R);
      const spacings = interior.slice(1).map((c, k) => c - interior[k]);
      return { interior, spacing: spacings.reduce((a, b) => a + b, 0) / spacings.length };
    };
    // Frequencies from 0.4 up leave at least three whole bands inside the largest square.
    for (const frequency of [0.4, 0.7, 1]) {
      const { interior, spacing } = bands(frequency);
      const period = world.resolution / physical('stripeFrequency', frequency);
      expect(interior.length, `stripe frequency ${frequency}`).toBeGreaterThanOrEqual(2);
      expect(Math.abs(spacing / period - 1), `stripe frequency ${frequency}: spacing ${spacing} px`).toBeLessThan(0.03);
      expect(Math.min(...interior.map((c) => Math.abs(c - world.resolution / 2)))).toBeLessThan(0.25);
    }
  });

  it('rotation tilts the object counter-clockwise: the triangle apex moves by the stated angle', () => {
    for (const rotation of [0, 0.25, 0.5, 0.8, 1]) {
      const f = world.fromRecord({ shape: 'triangle', size: 1, x: 0.5, y: 0.5, rotation, hue: 0.33, backgroundHue: 0.8, texture: 'plain', stripeFrequency: 0 });
      const { mask, R } = measure(world, f);
      const c = centroid(mask, R);
      let best = -1;
      let apex = { x: 0, y: 0 };
      for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) if (mask[j * R + i]) {
        const d = Math.hypot(i + 0.5 - c.x, j + 0.5 - c.y);
        // Of the three vertices, take the one nearest "up": the other two are 120° away.
        const angleFromUp = Math.atan2(-(i + 0.5 - c.x), -(j + 0.5 - c.y)); // counter-clockwise as seen
        if (Math.abs(angleFromUp) < Math.PI / 3 && d > best) {
          best = d;
          apex = { x: i + 0.5, y: j + 0.5 };
        }
      }
      const measured = (Math.atan2(-(apex.x - c.x), -(apex.y - c.y)) * 180) / Math.PI;
      expect(Math.abs(measured - physical('rotation', rotation)), `rotation ${rotation}`).toBeLessThan(4);
    }
  });

  it('a tilt and its opposite are mirror images for the mirror-symmetric shapes; a plain circle ignores rotation', () => {
    const R = world.resolution;
    for (const shape of ['triangle', 'star', 'heart', 'square', 'cross']) {
      const render = (rotation: number) =>
        world.render(world.fromRecord({ shape, size: 0.8, x: 0.5, y: 0.4, rotation, hue: 0.9, backgroundHue: 0.4, texture: 'striped', stripeFrequency: 0.3 }));
      const a = { R, px: render(0.2) };
      const b = { R, px: render(0.8) };
      let worst = 0;
      let differsFromUpright = 0;
      const upright = { R, px: render(0.5) };
      for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) {
        worst = Math.max(worst, distance(rgbAt(a, i, j), rgbAt(b, R - 1 - i, j)));
        differsFromUpright = Math.max(differsFromUpright, distance(rgbAt(a, i, j), rgbAt(upright, i, j)));
      }
      expect(worst, shape).toBeLessThan(1e-4);
      expect(differsFromUpright, shape).toBeGreaterThan(0.3);
    }
    const circle = (rotation: number) =>
      world.render(world.fromRecord({ shape: 'circle', size: 0.5, x: 0.3, y: 0.6, rotation, hue: 0.1, backgroundHue: 0.6, texture: 'plain', stripeFrequency: 0.5 }));
    expect(circle(0)).toEqual(circle(1));
  });

  it('changing only the hue changes only the object: same mask, new colour name, identical background', () => {
    const base = world.fromRecord({ shape: 'star', size: 0.7, x: 0.4, y: 0.6, rotation: 0.3, hue: 0.0, backgroundHue: 0.5, texture: 'plain', stripeFrequency: 0.5 });
    const red = measure(world, base);
    for (const [name, hue] of [['green', 0.33], ['blue', 0.62], ['yellow', 0.15], ['purple', 0.75]] as const) {
      const other = measure(world, world.fromRecord({ hue }, base));
      expect(hueName(hueOf(meanColour(other.img, erode(other.mask, 64))))).toBe(name);
      expect(other.mask).toEqual(red.mask);
      for (let k = 0; k < 64 * 64; k++) {
        if (!red.mask[k] && !other.mask[k]) {
          const i = k % 64;
          const j = Math.floor(k / 64);
          // Away from the antialiased rim, background pixels are bit-identical.
          if (distance(rgbAt(red.img, i, j), red.bg) === 0) expect(rgbAt(other.img, i, j)).toEqual(rgbAt(red.img, i, j));
        }
      }
    }
  });
});

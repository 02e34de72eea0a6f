// Hue names, HSV conversions and the 8-bit conversions.
import { describe, expect, it } from 'vitest';

import { COLOUR_NAMES, HUE_BINS, Rng, hsvToRgb, hueInBin, hueName, hueOfName, imageGrid, loadWorld, rgbToHsv, toUint8HWC } from '../src/index.js';

describe('colour names', () => {
  it('the bins cover the circle once, each name one contiguous arc, in rainbow order', () => {
    const names: string[] = [];
    for (let k = 0; k < 3600; k++) names.push(hueName(k / 3600));
    // Collapse runs; red wraps around 0 so drop a trailing red run.
    const runs = names.filter((n, k) => k === 0 || n !== names[k - 1]);
    if (runs[runs.length - 1] === runs[0]) runs.pop();
    expect(runs).toEqual([...COLOUR_NAMES]);
  });

  it('named reference colours land in the expected bins', () => {
    const cases: [number, string][] = [[0, 'red'], [30, 'orange'], [55, 'yellow'], [120, 'green'], [180, 'cyan'], [225, 'blue'], [270, 'purple'], [320, 'pink'], [355, 'red'], [-5, 'red'], [725, 'red']];
    for (const [deg, name] of cases) expect(hueName(deg / 360), `${deg}°`).toBe(name);
    for (const bin of HUE_BINS) expect(hueName(hueOfName(bin.name))).toBe(bin.name);
  });

  it('hueInBin keeps a margin from the neighbouring names', () => {
    const rng = new Rng(5);
    for (const name of COLOUR_NAMES) {
      for (let k = 0; k < 200; k++) {
        const h = hueInBin(name, rng.uniform());
        expect(hueName(h)).toBe(name);
        expect(hueName(h + 0.01)).toBe(name); // 3.6° either way stays inside (the narrowest bin is 28° wide)
        expect(hueName(h - 0.01)).toBe(name);
      }
    }
  });

  it('hsvToRgb and rgbToHsv invert each other and agree with the hexcone formula at the primaries', () => {
    expect(hsvToRgb(0, 1, 1)).toEqual([1, 0, 0]);
    expect(hsvToRgb(1 / 3, 1, 1)).toEqual([0, 1, 0]);
    expect(hsvToRgb(2 / 3, 1, 1)).toEqual([0, 0, 1]);
    expect(hsvToRgb(1 / 6, 1, 1)).toEqual([1, 1, 0]);
    const rng = new Rng(9);
    for (let k = 0; k < 500; k++) {
      const h = rng.uniform();
      const s = 0.1 + 0.9 * rng.uniform();
      const v = 0.1 + 0.9 * rng.uniform();
      const back = rgbToHsv(...hsvToRgb(h, s, v));
      expect(Math.min(Math.abs(back.h - h), 1 - Math.abs(back.h - h))).toBeLessThan(1e-12);
      expect(back.s).toBeCloseTo(s, 12);
      expect(back.v).toBeCloseTo(v, 12);
    }
  });
});

describe('8-bit images', () => {
  it('toUint8HWC maps [-1, 1] CHW to 0..255 HWC, rounding and clamping', () => {
    const R = 2;
    const px = Float32Array.from([-1, 0, 1, 2, /* g */ -2, -0.5, 0.5, 1, /* b */ 0, 0, 0, 0]);
    const img = toUint8HWC(px, R);
    expect(img).toMatchObject({ width: 2, height: 2, channels: 3 });
    expect(Array.from(img.data)).toEqual([0, 0, 128, 128, 64, 128, 255, 191, 128, 255, 255, 128]);
  });

  it('imageGrid places image n at row n / columns, column n % columns', () => {
    const world = loadWorld('world:shapes', { resolution: 16 });
    const batch = world.batch([0, 1, 2]);
    const grid = imageGrid(batch.pixels, 16, 2, { gap: 1, gapValue: 7 });
    expect([grid.width, grid.height]).toEqual([33, 33]);
    const third = toUint8HWC(batch.pixels, 16, 2 * world.pixelCount);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        for (let c = 0; c < 3; c++) expect(grid.data[((17 + y) * 33 + x) * 3 + c]).toBe(third.data[(y * 16 + x) * 3 + c]);
      }
    }
    expect(grid.data[(16 * 33 + 5) * 3]).toBe(7); // the gap row
    expect(grid.data[(20 * 33 + 20) * 3]).toBe(7); // the empty fourth cell
  });
});

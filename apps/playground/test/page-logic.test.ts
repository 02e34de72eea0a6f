/**
 * The page's pure parts, without a browser: the seed and ψ fields, the float → RGBA mapping,
 * W+ slider composition, slider units, and the live-render scheduler.
 */
import { describe, expect, it } from 'vitest';
import { toRasters } from '@stylegpu/stylegan';
import { MAX_GRID_SEEDS, parseSeedList, parseTruncation } from '../src/seed-list.js';
import { byteOf, toRgba } from '../src/raster.js';
import { applyDirectionSliders } from '../src/latent-edits.js';
import { spreadAlong } from '../src/direction-spread.js';
import { columnStd } from '../src/sample-statistics.js';
import { RenderScheduler } from '../src/render-scheduler.js';

describe('seed and truncation fields', () => {
  it('read lists and inclusive ranges as generate.py does', () => {
    expect(parseSeedList('0-3, 42 ,7')).toEqual([0, 1, 2, 3, 42, 7]);
    expect(parseSeedList('4294967295')).toEqual([4294967295]);
    expect(parseTruncation('0.7')).toBe(0.7);
  });

  it('refuse bad input with a message saying what to write', () => {
    expect(() => parseSeedList('')).toThrow('Seeds: the list is empty; write integers and ranges, for example 0-7,42');
    expect(() => parseSeedList('1,x')).toThrow("Seeds: 'x' is not a seed or a range a-b");
    expect(() => parseSeedList('9-3')).toThrow("Seeds: the range '9-3' runs backwards; write the smaller seed first (3-9)");
    expect(() => parseSeedList('4294967296')).toThrow('Seeds: 4294967296 is over 4294967295');
    expect(() => parseSeedList(`0-${MAX_GRID_SEEDS}`)).toThrow(`has more than ${MAX_GRID_SEEDS} seeds`);
    expect(parseSeedList(`0-${MAX_GRID_SEEDS - 1}`)).toHaveLength(MAX_GRID_SEEDS);
    for (const bad of ['', 'abc', '-0.1', '2.5', 'NaN']) expect(() => parseTruncation(bad), bad).toThrow(/Truncation ψ: .* is not a number in \[0, 2\]/);
  });
});

describe('float → RGBA', () => {
  it('maps as stylegan toRasters (NVIDIA’s (x + 1)·127.5, rounded, clipped) with opaque alpha', () => {
    const R = 3;
    const pixels = Float32Array.from({ length: 2 * 3 * R * R }, (_, i) => Math.sin(i * 1.7) * 1.3);
    const rasters = toRasters(pixels, 2, 3, R);
    for (let n = 0; n < 2; n++) {
      const rgba = toRgba(pixels, n, 3, R);
      for (let p = 0; p < R * R; p++) {
        expect([...rgba.subarray(p * 4, p * 4 + 3)]).toEqual([...rasters[n].data.subarray(p * 3, p * 3 + 3)]);
        expect(rgba[p * 4 + 3]).toBe(255);
      }
    }
    expect([byteOf(-2), byteOf(-1), byteOf(-1.001), byteOf(0), byteOf(1), byteOf(5), byteOf(Number.NaN)]).toEqual([0, 0, 0, 128, 255, 255, 0]);
    expect(Object.is(byteOf(-1.001), 0)).toBe(true);
  });

  it('shows a one-channel image as grey and refuses an index past the data', () => {
    const rgba = toRgba(Float32Array.from([-1, 1]), 1, 1, 1);
    expect([...rgba]).toEqual([255, 255, 255, 255]);
    expect(() => toRgba(new Float32Array(12), 1, 3, 2)).toThrow('toRgba: image 1 lies past the end of 12 values');
    expect(() => toRgba(new Float32Array(8), 0, 2, 2)).toThrow('toRgba: images must have 1 or 3 channels, got 2');
  });
});

describe('W+ slider composition', () => {
  const wDim = 3;
  const numWs = 2;
  const set = {
    wDim,
    numWs,
    count: 2,
    vectors: [1, 0, 0, 0, 0.6, 0.8],
    layerWeights: [1, 0, 1, 1],
    stepScales: [2, 0.5],
  };

  it('adds α · step · layer weight · direction to every sample, leaving the input alone', () => {
    const base = Float32Array.from({ length: 2 * numWs * wDim }, (_, i) => i);
    const out = applyDirectionSliders(base, 2, numWs, wDim, [{ ...set, alphas: [1.5, -2] }]);
    // Direction 0 (x axis, layer 0 only) moves by 1.5·2 = 3; direction 1 by −2·0.5 = −1 on both layers.
    const offset = [3, -0.6, -0.8, 0, -0.6, -0.8];
    for (let i = 0; i < base.length; i++) expect(out[i]).toBeCloseTo(base[i] + offset[i % 6], 6);
    expect(base[0]).toBe(0);
    expect(applyDirectionSliders(base, 2, numWs, wDim, [{ ...set, alphas: [0, 0] }])).toEqual(base);
  });

  it('refuses sets that do not fit the generator or the sliders', () => {
    const base = new Float32Array(numWs * wDim);
    expect(() => applyDirectionSliders(base, 2, numWs, wDim, [])).toThrow('applyDirectionSliders: ws hold 6 values, not 2×2×3');
    expect(() => applyDirectionSliders(base, 1, numWs, wDim, [{ ...set, wDim: 4, alphas: [0, 0] }])).toThrow('does not fit this generator');
    expect(() => applyDirectionSliders(base, 1, numWs, wDim, [{ ...set, alphas: [1] }])).toThrow('1 slider values for 2 directions');
    expect(() => applyDirectionSliders(base, 1, numWs, wDim, [{ ...set, alphas: [Number.NaN, 0] }])).toThrow('direction 0 has a non-finite step');
  });
});

describe('slider units', () => {
  it('spreadAlong is the sample std of w projected on each direction (1 when w never moves along it)', () => {
    // w = (t, 2t, 5) for t = 0, 1, 2, 3: along x the std is that of t; along z, none.
    const w = [0, 0, 5, 1, 2, 5, 2, 4, 5, 3, 6, 5];
    const std = Math.sqrt(((1.5 ** 2 + 0.5 ** 2) * 2) / 3);
    const s = spreadAlong(w, 4, 3, [1, 0, 0, 0, 0, 1, 0.6, 0.8, 0], 3);
    expect(s[0]).toBeCloseTo(std, 12);
    expect(s[1]).toBe(1);
    expect(s[2]).toBeCloseTo(std * (0.6 + 1.6), 12);
    expect(() => spreadAlong(w, 3, 3, [1, 0, 0], 1)).toThrow('spreadAlong: 12 values are not 3 samples of 3');
  });

  it('columnStd is the per-channel sample std, 1 for a constant channel', () => {
    const s = columnStd([1, 7, 3, 7, 5, 7], 3, 2);
    expect(s[0]).toBeCloseTo(2, 6);
    expect(s[1]).toBe(1);
  });
});

describe('live render scheduling', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('runs at most one render at a time and folds requests made during it into one more', async () => {
    const releases: Array<() => void> = [];
    let started = 0;
    const done: number[] = [];
    const scheduler = new RenderScheduler(
      () => new Promise<number>((resolve) => {
        const n = ++started;
        releases.push(() => resolve(n));
      }),
      (n) => done.push(n),
      (e) => { throw e; },
    );
    const settled: string[] = [];
    scheduler.request().then(() => settled.push('a'));
    scheduler.request().then(() => settled.push('b'));
    scheduler.request().then(() => settled.push('c'));
    expect(started).toBe(1);
    releases.shift()!();
    await tick();
    expect(settled).toEqual(['a']); // b and c asked during render 1: they wait for render 2
    expect(started).toBe(2); // the two requests made during render 1 became one render
    releases.shift()!();
    await tick();
    expect(started).toBe(2);
    expect(done).toEqual([1, 2]);
    expect(settled).toEqual(['a', 'b', 'c']);
    void scheduler.request();
    expect(started).toBe(3);
  });

  it('reports a failed render to onError and to its callers, and keeps serving requests', async () => {
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new RenderScheduler(
      async () => {
        calls++;
        if (calls === 1) throw new Error('device lost');
        return calls;
      },
      () => {},
      (e) => errors.push(e.message),
    );
    await expect(scheduler.request()).rejects.toThrow('device lost');
    await expect(scheduler.request()).resolves.toBeUndefined();
    expect(errors).toEqual(['device lost']);
    expect(calls).toBe(2);
  });
});

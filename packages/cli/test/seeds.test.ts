import { describe, expect, it } from 'vitest';
import { parseSeeds } from '../src/seeds.js';
import { toUint8Hwc } from '../src/to-uint8.js';

describe('--seeds', () => {
  it('parses lists and inclusive ranges as generate.py does', () => {
    expect(parseSeeds('0-7,42')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 42]);
    expect(parseSeeds('5')).toEqual([5]);
    expect(parseSeeds('3-3, 4294967295')).toEqual([3, 4294967295]);
  });
  it('rejects bad syntax with the offending part named', () => {
    expect(() => parseSeeds('1,a')).toThrow(/'a' in '1,a' is not a seed/);
    expect(() => parseSeeds('-1')).toThrow(/is not a seed/);
    expect(() => parseSeeds('7-3')).toThrow(/runs backwards/);
    expect(() => parseSeeds('4294967296')).toThrow(/over 4294967295/);
    expect(() => parseSeeds('')).toThrow(/is not a seed/);
  });
});

describe('image conversion', () => {
  it('maps [-1, 1] to uint8 with +128 and truncation, NCHW → HWC', () => {
    const chw = Float32Array.from([-1, 0, 1, 0.999, -1.5, 2, 0.5, -0.5]); // C=2, H=2, W=2
    const px = toUint8Hwc(chw, 2, 2, 2);
    // c0: -1→0.5→0, 0→128, 1→255.5→255, 0.999→255.37→255; c1: -1.5→0, 2→255, 0.5→191.75→191, -0.5→64.25→64
    expect(Array.from(px)).toEqual([0, 0, 128, 255, 255, 191, 255, 64]);
    expect(() => toUint8Hwc(Float32Array.of(NaN), 1, 1, 1)).toThrow(/NaN/);
    expect(() => toUint8Hwc(new Float32Array(3), 1, 2, 2)).toThrow(/3 values for a 1×2×2 image/);
  });
});

import { describe, expect, it } from 'vitest';
import { upscaleNearest } from './images.mjs';

function randomImage(width, height, channels, seed) {
  let s = seed >>> 0;
  const data = Uint8Array.from({ length: width * height * channels }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24));
  return { width, height, channels, data };
}

describe('upscaleNearest', () => {
  it('repeats every pixel into a factor × factor block, at awkward sizes and channel counts', () => {
    for (const [w, h, c, f] of [[5, 3, 3, 3], [1, 7, 4, 2], [6, 1, 1, 5], [3, 3, 3, 4]]) {
      const img = randomImage(w, h, c, w * 31 + h * 7 + f);
      const up = upscaleNearest(img, f);
      expect([up.width, up.height, up.channels]).toEqual([w * f, h * f, c]);
      expect(up.data.length).toBe(w * f * h * f * c);
      for (let Y = 0; Y < h * f; Y++) {
        for (let X = 0; X < w * f; X++) {
          for (let k = 0; k < c; k++) {
            const want = img.data[(Math.floor(Y / f) * w + Math.floor(X / f)) * c + k];
            if (up.data[(Y * w * f + X) * c + k] !== want) throw new Error(`${w}×${h}×${c} ×${f}: pixel (${X}, ${Y}) channel ${k} is ${up.data[(Y * w * f + X) * c + k]}, want ${want}`);
          }
        }
      }
    }
  });

  it('factor 1 gives an equal copy, not the same buffer', () => {
    const img = randomImage(4, 3, 3, 9);
    const up = upscaleNearest(img, 1);
    expect(Array.from(up.data)).toEqual(Array.from(img.data));
    expect(up.data).not.toBe(img.data);
  });

  it('refuses a bad factor or a raster whose data does not match its size', () => {
    const img = randomImage(2, 2, 3, 1);
    expect(() => upscaleNearest(img, 0)).toThrow(/factor must be a positive integer, got 0/);
    expect(() => upscaleNearest(img, 1.5)).toThrow(/factor/);
    expect(() => upscaleNearest({ ...img, data: img.data.subarray(1) }, 2)).toThrow(/2×2×3 image needs 12 bytes, got 11/);
  });
});

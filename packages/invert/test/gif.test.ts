/** The projection GIF: target | reconstruction side by side, large frames box-averaged to ≤ maxSide, bad frames refused. */
import { describe, expect, it } from 'vitest';
import { optimisationGif } from '../src/projection/optimisation-gif.js';

const screen = (gif: Uint8Array) => [gif[6] | (gif[7] << 8), gif[8] | (gif[9] << 8)];

describe('optimisationGif', () => {
  it('writes a GIF89a twice as wide as the image, halves capped at maxSide', () => {
    const small = new Uint8Array(3 * 16 * 16).fill(40);
    const gif = optimisationGif(small, [small, small.map((v) => v + 100)], 3, 16);
    expect(new TextDecoder('latin1').decode(gif.subarray(0, 6))).toBe('GIF89a');
    expect(screen(gif)).toEqual([32, 16]);
    const big = new Uint8Array(3 * 64 * 64).fill(200);
    expect(screen(optimisationGif(big, [big], 3, 64, { maxSide: 16 }))).toEqual([32, 16]);
  });

  it('refuses frames of the wrong size and an empty list', () => {
    const t = new Uint8Array(3 * 8 * 8);
    expect(() => optimisationGif(t, [new Uint8Array(10)], 3, 8)).toThrow(/a frame of 10 values for \[3, 8, 8\]/);
    expect(() => optimisationGif(t, [], 3, 8)).toThrow(/no frames/);
  });
});

// Bad options and malformed factor vectors fail with an Error that names what is wrong and what is expected.
import { describe, expect, it } from 'vitest';

import { hueName, hueOfName, imageGrid, loadWorld, toUint8HWC } from '../src/index.js';

describe('bad input gives a clear Error', () => {
  it('resolution must be a power of two from 16 to 1024', () => {
    for (const resolution of [0, 33, 8, 2048, 32.5, -64, Number.NaN]) {
      expect(() => loadWorld('world:shapes', { resolution }), String(resolution)).toThrow(
        new RegExp(`world:shapes: resolution ${resolution} is not a power of two from 16 to 1024`),
      );
    }
    for (const resolution of [16, 32, 64, 128]) expect(loadWorld('world:faces', { resolution }).resolution).toBe(resolution);
  });

  it('unknown world names list the known ones', () => {
    expect(() => loadWorld('world:cats')).toThrow("loadWorld: unknown world 'world:cats'; known worlds are world:shapes, world:faces");
    expect(() => loadWorld('toString')).toThrow(/unknown world 'toString'/);
    expect(loadWorld('shapes').id).toBe('world:shapes');
  });

  it('NaN, out-of-range, wrong-length and bad-class factor vectors are refused by render, caption and isHeldOut', () => {
    const world = loadWorld('world:shapes', { resolution: 16 });
    const f = world.sampleFactors(0);
    const withValue = (k: number, v: number) => f.map((x, i) => (i === k ? v : x));
    expect(() => world.render(withValue(1, Number.NaN))).toThrow("world:shapes.render: factor 'size' (index 1) is NaN; it must be a finite number");
    expect(() => world.caption(withValue(5, Number.POSITIVE_INFINITY))).toThrow(/factor 'hue' \(index 5\) is Infinity/);
    expect(() => world.render(withValue(2, 1.5))).toThrow("continuous factor 'x' is 1.5; normalised factors lie in [0, 1]");
    expect(() => world.render(withValue(0, 6))).toThrow(
      "categorical factor 'shape' is 6; it must be a class index 0..5 (circle, square, triangle, star, cross, heart)",
    );
    expect(() => world.render(withValue(7, 0.5))).toThrow(/categorical factor 'texture' is 0.5/);
    expect(() => world.isHeldOut(f.slice(1))).toThrow(/expected 9 factors \(shape, size, x, y, rotation, hue, backgroundHue, texture, stripeFrequency\), got 8/);
    expect(() => world.render(f, new Float32Array(10))).toThrow(/render target of 10 floats has no room for 768 at offset 0/);
  });

  it('records with unknown factors or classes are refused', () => {
    const world = loadWorld('world:faces', { resolution: 16 });
    const f = world.sampleFactors(0);
    expect(() => world.fromRecord({ hairColor: 'red' }, f)).toThrow(/unknown factor 'hairColor'; factors are skinTone, hairColour/);
    expect(() => world.fromRecord({ hairColour: 'green' }, f)).toThrow("'green' is not a class of 'hairColour' (black, brown, blonde, red, white, blue)");
    expect(() => world.fromRecord({ smile: 'wide' }, f)).toThrow(/continuous factor 'smile' needs a number/);
    expect(() => world.fromRecord({ smile: 0.5 })).toThrow(/factor 'skinTone' is missing and no base vector was given/);
  });

  it('bad sample indices, seeds, splits and batch options are refused', () => {
    const world = loadWorld('world:faces', { resolution: 16 });
    expect(() => world.sample(-1)).toThrow('world:faces: sample index must be a non-negative integer, got -1');
    expect(() => world.sample(1.5)).toThrow(/sample index must be a non-negative integer, got 1.5/);
    expect(() => world.sample(0, { seed: -3 })).toThrow(/seed must be a non-negative integer, got -3/);
    expect(() => world.sample(0, { split: 'validation' as never })).toThrow("world:faces: unknown split 'validation'; splits are train, test, heldout");
    expect(() => world.batches({ batchSize: 0 }).next()).toThrow(/batches needs a positive integer batchSize, got 0/);
    expect(() => world.batches({ batchSize: 2, datasetSize: 0 }).next()).toThrow(/datasetSize must be a positive integer, got 0/);
  });

  it('colour and image helpers refuse what they cannot handle', () => {
    expect(() => hueName(Number.NaN)).toThrow('hueName: hue must be a finite number of turns, got NaN');
    expect(() => hueOfName('magenta')).toThrow("unknown colour name 'magenta'; known: red, orange, yellow, green, cyan, blue, purple, pink");
    expect(() => toUint8HWC(new Float32Array(10), 4)).toThrow(/toUint8HWC: need 3·4·4 = 48 floats at offset 0, the array has 10/);
    expect(() => imageGrid(new Float32Array(50), 4, 2)).toThrow(/50 floats is not a whole number of \[3, 4, 4\] images/);
  });
});

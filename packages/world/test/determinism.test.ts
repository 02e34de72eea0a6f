// Same (seed, split, index) → the same bytes, whichever way the sample is reached; anything else → different.
import { describe, expect, it } from 'vitest';

import { loadWorld } from '../src/index.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** Byte equality (Buffer.equals: vitest's deep equality is slow on 12k-element arrays). */
const sameBytes = (a: Float32Array, b: Float32Array) => expect(bytes(a).equals(bytes(b))).toBe(true);

describe.each(['world:shapes', 'world:faces'])('%s is deterministic', (name) => {
  const world = loadWorld(name, { resolution: 32 });

  it('the same seed gives identical bytes, from fresh world objects too', () => {
    const other = loadWorld(name, { resolution: 32 });
    for (const i of [0, 1, 17, 123456789, 2 ** 40 + 3]) {
      for (const split of ['train', 'test', 'heldout'] as const) {
        const a = world.sample(i, { seed: 7, split });
        const b = other.sample(i, { seed: 7, split });
        sameBytes(b.pixels, a.pixels);
        expect(b.factors).toEqual(a.factors);
        expect(b.caption).toBe(a.caption);
      }
    }
  });

  it('different seeds, splits and indices give different samples', () => {
    const seen = new Set<string>();
    for (const seed of [0, 1, 2]) {
      for (const split of ['train', 'test', 'heldout'] as const) {
        for (let i = 0; i < 10; i++) {
          const s = world.sample(i, { seed, split });
          seen.add(bytes(s.pixels).toString('base64'));
        }
      }
    }
    expect(seen.size).toBe(3 * 3 * 10);
  });

  it('a batch holds exactly the samples it names, and re-rendering its float32 factors reproduces its pixels', () => {
    const indices = [5, 0, 99, 5];
    const batch = world.batch(indices, { seed: 4, split: 'test' });
    const P = world.pixelCount;
    const F = world.factorCount;
    expect(batch.pixels.length).toBe(indices.length * P);
    expect(batch.factors.length).toBe(indices.length * F);
    indices.forEach((i, k) => {
      const s = world.sample(i, { seed: 4, split: 'test' });
      sameBytes(batch.pixels.subarray(k * P, (k + 1) * P), s.pixels);
      expect(Array.from(batch.factors.subarray(k * F, (k + 1) * F))).toEqual(s.factors);
      expect(batch.captions[k]).toBe(s.caption);
      const again = world.render(batch.factors.subarray(k * F, (k + 1) * F));
      sameBytes(again, s.pixels);
    });
  });

  it('an endless stream runs through indices 0, 1, 2, … and resumes at any batch', () => {
    const stream = world.batches({ batchSize: 3, seed: 2, maxBatches: 3 });
    const all = [...stream];
    expect(all.map((b) => b.indices)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    const resumed = world.batches({ batchSize: 3, seed: 2, firstBatch: 2, maxBatches: 1 }).next().value!;
    sameBytes(resumed.pixels, all[2].pixels);
  });

  it('a finite dataset is visited once per epoch in a seeded order that differs between epochs', () => {
    const size = 10;
    const indices = [...world.batches({ batchSize: 4, seed: 3, datasetSize: size, maxBatches: 5 })].flatMap((b) => b.indices);
    expect(indices.length).toBe(20);
    const epoch0 = indices.slice(0, size);
    const epoch1 = indices.slice(size, 2 * size);
    expect([...epoch0].sort((a, b) => a - b)).toEqual([...Array(size).keys()]);
    expect([...epoch1].sort((a, b) => a - b)).toEqual([...Array(size).keys()]);
    expect(epoch1).not.toEqual(epoch0);
    const again = [...world.batches({ batchSize: 4, seed: 3, datasetSize: size, maxBatches: 5 })].flatMap((b) => b.indices);
    expect(again).toEqual(indices);
    const otherSeed = [...world.batches({ batchSize: 4, seed: 4, datasetSize: size, maxBatches: 5 })].flatMap((b) => b.indices);
    expect(otherSeed).not.toEqual(indices);
    const ordered = [...world.batches({ batchSize: 4, datasetSize: size, shuffle: false, maxBatches: 3 })].flatMap((b) => b.indices);
    expect(ordered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  });

  it('works with for await', async () => {
    const got: number[][] = [];
    for await (const b of world.batches({ batchSize: 2, maxBatches: 2 })) got.push(b.indices);
    expect(got).toEqual([[0, 1], [2, 3]]);
  });
});

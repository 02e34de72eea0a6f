// Held-out combinations stay out of train/test and are all that heldout yields; schemas describe the vectors.
import { describe, expect, it } from 'vitest';

import {
  COLOUR_NAMES,
  FACES_FACTOR,
  FACES_HELDOUT_PAIRS,
  HAIR_COLOURS,
  SHAPES_FACTOR,
  SHAPES_HELDOUT_PAIRS,
  SHAPE_NAMES,
  checkFactors,
  expressionOf,
  hueName,
  loadWorld,
} from '../src/index.js';

describe('held-out combinations', () => {
  it('world:shapes: no (shape, colour) pair of the held-out list in train or test; heldout is only those pairs', () => {
    const world = loadWorld('world:shapes', { resolution: 16 });
    const key = (f: number[]) => `${SHAPE_NAMES[f[SHAPES_FACTOR.shape]]}/${hueName(f[SHAPES_FACTOR.hue])}`;
    const held = new Set(SHAPES_HELDOUT_PAIRS.map(([s, c]) => `${s}/${c}`));
    const trainPairs = new Set<string>();
    for (const split of ['train', 'test'] as const) {
      for (let i = 0; i < 3000; i++) {
        const f = world.sampleFactors(i, { seed: 21, split });
        expect(held.has(key(f)), `${split} ${i}: ${key(f)}`).toBe(false);
        expect(world.isHeldOut(f)).toBe(false);
        trainPairs.add(key(f));
      }
    }
    // Every other pair does occur (6 × 8 − 6 = 42), so each shape and each colour is still seen in training.
    expect(trainPairs.size).toBe(SHAPE_NAMES.length * COLOUR_NAMES.length - SHAPES_HELDOUT_PAIRS.length);
    const heldSeen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const f = world.sampleFactors(i, { seed: 21, split: 'heldout' });
      expect(held.has(key(f))).toBe(true);
      expect(world.isHeldOut(f)).toBe(true);
      heldSeen.add(key(f));
    }
    expect(heldSeen).toEqual(held);
  });

  it('world:faces: no (hair colour, expression) pair of the held-out list in train or test; heldout is only those pairs', () => {
    const world = loadWorld('world:faces', { resolution: 16 });
    const key = (f: number[]) => `${HAIR_COLOURS[f[FACES_FACTOR.hairColour]]}/${expressionOf(f[FACES_FACTOR.smile])}`;
    const held = new Set(FACES_HELDOUT_PAIRS.map(([h, e]) => `${h}/${e}`));
    const trainPairs = new Set<string>();
    for (const split of ['train', 'test'] as const) {
      for (let i = 0; i < 2000; i++) {
        const f = world.sampleFactors(i, { seed: 8, split });
        expect(held.has(key(f)), `${split} ${i}: ${key(f)}`).toBe(false);
        trainPairs.add(key(f));
      }
    }
    expect(trainPairs.size).toBe(HAIR_COLOURS.length * 3 - FACES_HELDOUT_PAIRS.length);
    const heldSeen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const f = world.sampleFactors(i, { seed: 8, split: 'heldout' });
      expect(world.isHeldOut(f)).toBe(true);
      heldSeen.add(key(f));
    }
    expect(heldSeen).toEqual(held);
  });

  it('the batch stream of train never yields a held-out combination either', () => {
    const world = loadWorld('world:shapes', { resolution: 16 });
    const F = world.factorCount;
    for (const batch of world.batches({ batchSize: 50, seed: 2, maxBatches: 10 })) {
      for (let n = 0; n < batch.batchSize; n++) expect(world.isHeldOut(batch.factors.subarray(n * F, (n + 1) * F))).toBe(false);
    }
  });
});

describe.each(['world:shapes', 'world:faces'])('%s schema', (name) => {
  const world = loadWorld(name, { resolution: 16 });

  it('describes every factor once, with a kind, classes or a [0, 1] range, and a description', () => {
    const names = world.schema.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of world.schema) {
      expect(spec.description.length).toBeGreaterThan(10);
      if (spec.kind === 'categorical') {
        expect(spec.classes.length).toBeGreaterThanOrEqual(2);
        expect(new Set(spec.classes).size).toBe(spec.classes.length);
      } else {
        expect(spec.kind).toBe('continuous');
        expect(spec.range).toEqual([0, 1]);
        if (spec.physical) expect(spec.physical.unit.length).toBeGreaterThan(0);
      }
    }
    // The exported index tables agree with the schema order.
    const table = name === 'world:shapes' ? SHAPES_FACTOR : FACES_FACTOR;
    expect(Object.keys(table).length).toBe(world.factorCount);
    for (const [factor, index] of Object.entries(table)) expect(world.factorIndex(factor)).toBe(index);
  });

  it('sampled vectors are valid, float32-exact, and cover each factor’s range and classes', () => {
    const n = 2000;
    const lo = new Array(world.factorCount).fill(Infinity);
    const hi = new Array(world.factorCount).fill(-Infinity);
    const classes = world.schema.map(() => new Set<number>());
    for (let i = 0; i < n; i++) {
      const f = world.sampleFactors(i, { seed: 1 });
      checkFactors(world.schema, f, 'test');
      f.forEach((v, k) => {
        expect(Math.fround(v)).toBe(v);
        lo[k] = Math.min(lo[k], v);
        hi[k] = Math.max(hi[k], v);
        classes[k].add(v);
      });
    }
    world.schema.forEach((spec, k) => {
      if (spec.kind === 'categorical') expect(classes[k].size, spec.name).toBe(spec.classes.length);
      else if (!spec.circular) {
        expect(lo[k], spec.name).toBeLessThan(0.01);
        expect(hi[k], spec.name).toBeGreaterThan(0.99);
      }
    });
  });

  it('records round-trip, and fromRecord changes only the named factors', () => {
    const f = world.sampleFactors(42);
    const record = world.toRecord(f);
    expect(world.fromRecord(record)).toEqual(f);
    const first = world.schema[0];
    const value = first.kind === 'categorical' ? first.classes[(f[0] + 1) % first.classes.length] : 0.25;
    const g = world.fromRecord({ [first.name]: value }, f);
    expect(g.slice(1)).toEqual(f.slice(1));
    expect(g[0]).not.toBe(f[0]);
  });
});

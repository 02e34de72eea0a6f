/**
 * A world at one resolution: index-addressed samples, rendering from factors, captions, and batch streams.
 *
 * Sample i of (seed, split) is a pure function of those three numbers: its factors come from a random stream keyed
 * by them, its caption variant from a second stream with the same key, and its pixels from its factors. A dataset
 * "of size N" is therefore just indices 0..N-1 and needs no storage.
 */

import { Canvas } from './canvas.js';
import { SPLITS, type Split, type WorldDefinition } from './definition.js';
import { Rng, permutation } from './random.js';
import {
  type FactorRecord,
  type FactorSchema,
  checkFactors,
  factorIndex,
  factorsToRecord,
  recordToFactors,
} from './schema.js';

export const MIN_RESOLUTION = 16;
export const MAX_RESOLUTION = 1024;

const SPLIT_ID: Readonly<Record<Split, number>> = { train: 1, test: 2, heldout: 3 };
const STREAM_FACTORS = 0;
const STREAM_CAPTION = 1;
const STREAM_EPOCH = 2;

export interface SampleOptions {
  /** Dataset seed: a non-negative integer (default 0). */
  seed?: number;
  /** Default 'train'. */
  split?: Split;
}

export interface Sample {
  index: number;
  /** [3, R, R] float32 in [-1, 1]. */
  pixels: Float32Array;
  /** One number per schema factor (class index for categorical ones). */
  factors: number[];
  caption: string;
}

export interface Batch {
  /** The sample indices in this batch (within the split and seed). */
  indices: number[];
  /** [N, 3, R, R] float32 in [-1, 1]. */
  pixels: Float32Array;
  /** [N, F] float32, row n the factor vector of sample n (exact: sampled factors are float32 values). */
  factors: Float32Array;
  captions: string[];
  batchSize: number;
  resolution: number;
}

export interface BatchOptions extends SampleOptions {
  batchSize: number;
  /**
   * With a dataset size N the stream runs over indices 0..N-1, epoch after epoch (each epoch in a fresh seeded
   * order unless `shuffle` is false; batches run across epoch boundaries, so every batch is full). Without it the
   * stream is an endless run of fresh indices 0, 1, 2, …
   */
  datasetSize?: number;
  /** Shuffle each epoch of a finite dataset (default true). */
  shuffle?: boolean;
  /** Start at this batch number (to resume a run; default 0). */
  firstBatch?: number;
  /** Stop after this many batches (default: never). */
  maxBatches?: number;
}

function checkIndex(i: number, what: string, where: string): void {
  if (!Number.isSafeInteger(i) || i < 0) throw new Error(`${where}: ${what} must be a non-negative integer, got ${i}`);
}

export class World {
  readonly definition: WorldDefinition;
  readonly resolution: number;
  /** 'world:<name>' */
  readonly id: string;

  constructor(definition: WorldDefinition, resolution: number) {
    const id = `world:${definition.name}`;
    if (
      !Number.isInteger(resolution) ||
      resolution < MIN_RESOLUTION ||
      resolution > MAX_RESOLUTION ||
      (resolution & (resolution - 1)) !== 0
    ) {
      throw new Error(
        `${id}: resolution ${resolution} is not a power of two from ${MIN_RESOLUTION} to ${MAX_RESOLUTION}; use e.g. 32 or 64`,
      );
    }
    this.definition = definition;
    this.resolution = resolution;
    this.id = id;
  }

  get schema(): FactorSchema {
    return this.definition.schema;
  }

  get factorCount(): number {
    return this.definition.schema.length;
  }

  /** Floats per image: 3·R·R. */
  get pixelCount(): number {
    return 3 * this.resolution * this.resolution;
  }

  get heldout() {
    return this.definition.heldout;
  }

  private splitId(split: Split | undefined): number {
    const s = split ?? 'train';
    const id = SPLIT_ID[s];
    if (id === undefined) throw new Error(`${this.id}: unknown split '${String(split)}'; splits are ${SPLITS.join(', ')}`);
    return id;
  }

  private seedOf(seed: number | undefined): number {
    const s = seed ?? 0;
    checkIndex(s, 'seed', this.id);
    return s;
  }

  /** The factors of sample i (no rendering). */
  sampleFactors(i: number, options: SampleOptions = {}): number[] {
    checkIndex(i, 'sample index', this.id);
    const split = options.split ?? 'train';
    const rng = Rng.keyed(this.seedOf(options.seed), this.splitId(split), i, STREAM_FACTORS);
    return this.definition.sampleFactors(rng, split);
  }

  /** The caption of sample i (its variant is drawn from the sample's own stream). */
  sampleCaption(i: number, factors: readonly number[], options: SampleOptions = {}): string {
    const variant = Rng.keyed(this.seedOf(options.seed), this.splitId(options.split), i, STREAM_CAPTION).nextU32();
    return this.definition.caption(factors, variant);
  }

  /** Sample i of (seed, split): pixels, factors and caption. */
  sample(i: number, options: SampleOptions = {}): Sample {
    const factors = this.sampleFactors(i, options);
    return { index: i, pixels: this.render(factors), factors, caption: this.sampleCaption(i, factors, options) };
  }

  /**
   * Renders a factor vector (`fromRecord` builds one from names) to [3, R, R] float32 in [-1, 1], into `out` at `offset`
   * when given. Throws a clear Error for a malformed vector (wrong length, NaN, out of range, bad class index).
   */
  render(factors: ArrayLike<number>, out?: Float32Array, offset = 0): Float32Array {
    const vector = this.checked(factors, 'render');
    const target = out ?? new Float32Array(this.pixelCount);
    if (offset < 0 || offset + this.pixelCount > target.length) {
      throw new Error(`${this.id}: render target of ${target.length} floats has no room for ${this.pixelCount} at offset ${offset}`);
    }
    const canvas = new Canvas(this.resolution);
    this.definition.render(vector, canvas);
    canvas.writeCHW(target, offset);
    return target;
  }

  /** A caption for a factor vector; variant 0 (the default) is the canonical template. */
  caption(factors: ArrayLike<number>, variant = 0): string {
    checkIndex(variant, 'caption variant', this.id);
    return this.definition.caption(this.checked(factors, 'caption'), variant >>> 0);
  }

  /** Whether a factor vector is one of the held-out combinations. */
  isHeldOut(factors: ArrayLike<number>): boolean {
    const [a, b] = this.definition.heldout.attributesOf(this.checked(factors, 'isHeldOut'));
    return this.definition.heldout.pairs.some(([pa, pb]) => pa === a && pb === b);
  }

  /** The named attributes the held-out rule looks at, e.g. ['star', 'orange']. */
  heldoutAttributes(factors: ArrayLike<number>): [string, string] {
    return this.definition.heldout.attributesOf(this.checked(factors, 'heldoutAttributes'));
  }

  /** A factor vector as { name: value } with class names for categorical factors. */
  toRecord(factors: ArrayLike<number>): FactorRecord {
    return factorsToRecord(this.schema, factors, this.id);
  }

  /** A factor vector from a record; factors it omits come from `base` (e.g. to change one factor of a sample). */
  fromRecord(record: Readonly<Record<string, number | string>>, base?: ArrayLike<number>): number[] {
    return recordToFactors(this.schema, record, this.id, base);
  }

  /** The position of a named factor in the vector. */
  factorIndex(name: string): number {
    return factorIndex(this.schema, name, this.id);
  }

  /** Renders the given sample indices into one batch. */
  batch(indices: readonly number[], options: SampleOptions = {}): Batch {
    const n = indices.length;
    const F = this.factorCount;
    const pixels = new Float32Array(n * this.pixelCount);
    const factors = new Float32Array(n * F);
    const captions: string[] = [];
    indices.forEach((index, k) => {
      const f = this.sampleFactors(index, options);
      this.render(f, pixels, k * this.pixelCount);
      factors.set(f, k * F);
      captions.push(this.sampleCaption(index, f, options));
    });
    return { indices: [...indices], pixels, factors, captions, batchSize: n, resolution: this.resolution };
  }

  /** A stream of batches; see `BatchOptions`. Works with `for…of` and `for await…of`. */
  *batches(options: BatchOptions): Generator<Batch, void, undefined> {
    const { batchSize } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new Error(`${this.id}: batches needs a positive integer batchSize, got ${batchSize}`);
    }
    const seed = this.seedOf(options.seed);
    const splitId = this.splitId(options.split);
    const first = options.firstBatch ?? 0;
    checkIndex(first, 'firstBatch', this.id);
    const max = options.maxBatches ?? Infinity;
    if (max !== Infinity) checkIndex(max, 'maxBatches', this.id);
    const size = options.datasetSize;
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 1)) {
      throw new Error(`${this.id}: datasetSize must be a positive integer, got ${size}`);
    }
    const shuffle = options.shuffle ?? true;
    let epoch = -1;
    let order: Uint32Array | undefined;
    const indexAt = (position: number): number => {
      if (size === undefined) return position;
      const e = Math.floor(position / size);
      if (e !== epoch) {
        epoch = e;
        order = shuffle ? permutation(size, Rng.keyed(seed, splitId, e, STREAM_EPOCH)) : undefined;
      }
      const p = position - e * size;
      return order ? order[p] : p;
    };
    for (let b = first; b - first < max; b++) {
      const indices: number[] = [];
      for (let k = 0; k < batchSize; k++) indices.push(indexAt(b * batchSize + k));
      yield this.batch(indices, { seed, split: options.split });
    }
  }

  private checked(factors: ArrayLike<number>, op: string): number[] {
    checkFactors(this.schema, factors, `${this.id}.${op}`);
    return Array.from(factors);
  }
}

/**
 * What a world supplies to the generic `World` wrapper: its factor schema, how to sample factors for a split, how
 * to render and caption a factor vector, and which factor combinations are held out of training.
 */

import type { Canvas } from './canvas.js';
import type { Rng } from './random.js';
import type { FactorSchema } from './schema.js';

/**
 * - `train`: the training distribution; never contains a held-out combination.
 * - `test`: the same distribution as `train` drawn from a disjoint random stream (fresh samples for validation).
 * - `heldout`: only the held-out combinations, every other factor drawn as in `train`.
 */
export type Split = 'train' | 'test' | 'heldout';
export const SPLITS: readonly Split[] = ['train', 'test', 'heldout'];

/**
 * Held-out combinations: pairs of two named attributes (e.g. shape and colour name) that never occur together in
 * `train` or `test` and are the only ones `heldout` yields. Each attribute on its own still occurs in training.
 */
export interface HeldoutRule {
  /** Names of the two attributes, e.g. ['shape', 'colour']. */
  readonly attributes: readonly [string, string];
  /** The held-out value pairs, e.g. [['circle', 'green'], …]. */
  readonly pairs: readonly (readonly [string, string])[];
  /** The two attribute values of a factor vector (derived from factors, e.g. the colour name of the hue). */
  attributesOf(factors: readonly number[]): [string, string];
  readonly description: string;
}

export interface WorldDefinition {
  /** Short name, e.g. 'shapes'; the world's id is `world:<name>`. */
  readonly name: string;
  readonly schema: FactorSchema;
  readonly heldout: HeldoutRule;
  /** Draws a factor vector for a split (continuous values already rounded to float32). */
  sampleFactors(rng: Rng, split: Split): number[];
  /** Paints a (checked) factor vector onto a canvas. Pure: the same factors give the same pixels. */
  render(factors: readonly number[], canvas: Canvas): void;
  /** An English caption; `variant` (any uint32) picks the template and synonyms; variant 0 is the canonical one. */
  caption(factors: readonly number[], variant: number): string;
}

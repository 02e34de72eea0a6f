/**
 * Deterministic word choice for captions. Variant 0 is canonical (the first template and the first synonym of
 * every list); any other variant seeds a small generator, so a sample's caption is a pure function of its factors
 * and its variant number.
 */

import { Rng } from './random.js';

export class WordPicker {
  private readonly rng: Rng | undefined;

  constructor(variant: number) {
    this.rng = variant === 0 ? undefined : Rng.keyed(variant >>> 0, 0x63617074);
  }

  pick<T>(items: readonly T[]): T {
    return this.rng ? this.rng.pick(items) : items[0];
  }
}

/** 'a' or 'an' for the phrase that follows. */
export function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? 'an' : 'a';
}

/** Joins words, dropping empty ones and collapsing spaces. */
export function words(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' ').replace(/\s+/g, ' ').trim();
}

/** "A", "A and B", "A, B and C". */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Three-way bin of a normalised value: 0 below 1/3, 2 above 2/3, 1 between. */
export function tercile(v: number): 0 | 1 | 2 {
  return v < 1 / 3 ? 0 : v > 2 / 3 ? 2 : 1;
}

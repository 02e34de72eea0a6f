/** The assertion every float64-reference check ends in: relative error within a tolerance, seed in the message. */
import { expect } from 'vitest';
import { relError } from '../relative-error.js';
import { SEED } from '../seeded-random.js';

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const e = relError(actual, expected);
  expect(e, `${label}: relative error ${e.toExponential(2)} over ${tol} (seed ${SEED})`).toBeLessThanOrEqual(tol);
}

/** Shared helpers for the io tests: fixture loading and expected values (seeded data comes from src/testing). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { toNumbers, type HostTensor } from '../src/host-tensor.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export interface TensorDesc {
  dtype: string;
  shape: number[];
  values: number[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expected: any = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

/** dtype, shape and every value must match exactly (the JSON holds the tensors' exact values widened to f64). */
export function expectTensor(t: HostTensor | undefined, desc: TensorDesc, label: string): void {
  expect(t, label).toBeDefined();
  expect({ label, dtype: t!.dtype, shape: t!.shape }).toEqual({ label, dtype: desc.dtype, shape: desc.shape });
  expect(toNumbers(t!), label).toEqual(desc.values);
}

/** Every prefix length in `cuts` (negative counts from the end) of `bytes`. */
export function truncations(bytes: Uint8Array, cuts: number[]): Array<[number, Uint8Array]> {
  return cuts.map((c) => {
    const n = c < 0 ? bytes.length + c : c;
    return [n, bytes.slice(0, n)];
  });
}

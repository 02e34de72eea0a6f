/** Shared helpers for the io tests: fixture loading, expected values, a seeded random source. */
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

/** mulberry32: small, seeded, good enough to make test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every prefix length in `cuts` (negative counts from the end) of `bytes`. */
export function truncations(bytes: Uint8Array, cuts: number[]): Array<[number, Uint8Array]> {
  return cuts.map((c) => {
    const n = c < 0 ? bytes.length + c : c;
    return [n, bytes.slice(0, n)];
  });
}

/** Fuzz readNpz: mutated .npz archives (stored and deflated) must be read or refused with an `npz`/`npy` Error. */
import { zipSync } from 'fflate';
import { describe, it } from 'vitest';
import { readNpz, writeNpy } from '../../src/npy.js';
import { fixture } from '../helpers.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialise } from './helpers.js';

describe('fuzz: npz', () => {
  it(
    'reads or clearly refuses every mutated .npz',
    async () => {
      const small = writeNpy({ dtype: 'f32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
      const corpus = [
        fixture('arrays.npz'),
        fixture('arrays_compressed.npz'),
        zipSync({ 'w.npy': small, 'z.npy': fixture('i8.npy') }, { level: 6 }),
        zipSync({ 'w.npy': small }, { level: 0 }),
      ];
      await expectFuzzClean({
        target: 'npz',
        corpus,
        prefix: /^npz|^npy: /,
        run: (bytes) => materialise(readNpz(bytes).values()),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

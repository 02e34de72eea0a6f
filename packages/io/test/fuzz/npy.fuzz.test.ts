/** Fuzz readNpy: mutated .npy files must be read or refused with an `npy:` Error, quickly. */
import { describe, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/npy.js';
import { fixture } from '../helpers.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialise } from './helpers.js';

const FIXTURES = ['f2.npy', 'f4.npy', 'f4_v2.npy', 'f4_v3.npy', 'f8.npy', 'i4.npy', 'i8.npy', 'u1.npy', 'unicode.npy', 'scalar_f4.npy', 'empty_f4.npy', 'fortran.npy'];

describe('fuzz: npy', () => {
  it(
    'reads or clearly refuses every mutated .npy',
    async () => {
      const corpus = [
        ...FIXTURES.map(fixture),
        writeNpy({ dtype: 'i16', shape: [3, 1, 2], data: new Int16Array([1, -2, 3, -4, 5, -6]) }),
        writeNpy({ dtype: 'u64', shape: [2], data: new BigUint64Array([1n, 2n ** 63n]) }),
      ];
      await expectFuzzClean({
        target: 'npy',
        corpus,
        prefix: /^npy: /,
        run: (bytes) => materialise([readNpy(bytes)]),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

/** Fuzz readSafetensors: mutated files must be read or refused with a `safetensors:` Error. */
import { describe, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/safetensors.js';
import { fixture } from '../helpers.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialise } from './helpers.js';

describe('fuzz: safetensors', () => {
  it(
    'reads or clearly refuses every mutated .safetensors',
    async () => {
      const corpus = [
        fixture('tensors.safetensors'),
        writeSafetensors(
          {
            a: { dtype: 'f16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7c00]) },
            b: { dtype: 'i64', shape: [1, 2], data: new BigInt64Array([-1n, 5n]) },
            empty: { dtype: 'f32', shape: [0, 4], data: new Float32Array(0) },
          },
          { format: 'pt' },
        ),
      ];
      await expectFuzzClean({
        target: 'safetensors',
        corpus,
        prefix: /^safetensors: /,
        run: (bytes) => materialise(readSafetensors(bytes).tensors.values()),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

/** Fuzz legacy (non-zip) torch.save files: five pickles in a row, then raw storages. */
import { describe, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/torch/checkpoint.js';
import { fixture } from '../helpers.js';
import { legacyFile, rebuildTensor } from '../pickle-asm.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialiseTree } from './helpers.js';

describe('fuzz: legacy torch.save files', () => {
  it(
    'reads or clearly refuses every mutated legacy checkpoint',
    async () => {
      const four = new Float32Array([1, 2, 3, 4]);
      const corpus = [
        fixture('legacy_checkpoint.pt'),
        // A pre-1.0 storage view (persistent id with view metadata) and a transposed view.
        legacyFile(
          (p) => {
            p.mark();
            rebuildTensor(p, { numel: 4, offset: 0, size: [2], stride: [1], key: 'k', view: { key: 'v', offset: 1, size: 2 } });
            rebuildTensor(p, { numel: 4, offset: 0, size: [2, 2], stride: [1, 2], key: 'k' });
            return p.raw(0x6c); // LIST
          },
          [{ key: 'k', data: four }],
        ),
      ];
      await expectFuzzClean({
        target: 'torch legacy',
        corpus,
        prefix: /^(pickle|torch): /,
        run: (bytes) => materialiseTree(readTorchCheckpoint(bytes).root),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

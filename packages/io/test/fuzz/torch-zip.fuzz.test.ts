/**
 * Fuzz zip checkpoints two ways: the pickle inside (data.pkl mutated, zipped back with the archive's real storage
 * records, so mutations reach storages, views and TorchScript objects), and the whole container (mutated zip bytes).
 */
import { unzipSync, zipSync } from 'fflate';
import { describe, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/torch/checkpoint.js';
import { fixture } from '../helpers.js';
import { torchZipWithView } from '../pickle-asm.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialiseTree } from './helpers.js';

const read = (bytes: Uint8Array) => {
  const ckpt = readTorchCheckpoint(bytes);
  return materialiseTree(ckpt.root) + (ckpt.constants === undefined ? 0 : materialiseTree(ckpt.constants));
};

describe.each([
  ['torch.save zip', 'zip_checkpoint.pt'],
  ['TorchScript archive', 'torchscript.pt'],
])('fuzz: data.pkl inside a %s', (label, file) => {
  it(
    'reads or clearly refuses every mutated data.pkl',
    async () => {
      const files = unzipSync(fixture(file));
      const dataPkl = Object.keys(files).find((n) => n.endsWith('/data.pkl'))!;
      await expectFuzzClean({
        target: `${label} data.pkl`,
        corpus: [files[dataPkl]],
        prefix: /^(pickle|torch): /,
        run: (pkl) => read(zipSync({ ...files, [dataPkl]: pkl }, { level: 0 })),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('fuzz: torch zip container', () => {
  it(
    'reads or clearly refuses every mutated zip checkpoint',
    async () => {
      const files = unzipSync(fixture('zip_checkpoint.pt'));
      const corpus = [
        fixture('zip_checkpoint.pt'),
        fixture('torchscript.pt'),
        zipSync(files, { level: 6 }), // deflated records: the inflate path
        torchZipWithView({ numel: 4, offset: 1, size: [3, 2], stride: [0, 1] }, new Float32Array([1, 2, 3, 4])),
      ];
      await expectFuzzClean({ target: 'torch zip', corpus, prefix: /^(pickle|torch): /, run: read });
    },
    FUZZ_TIMEOUT_MS,
  );
});

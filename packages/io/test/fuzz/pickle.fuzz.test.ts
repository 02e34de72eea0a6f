/**
 * Fuzz the pickle VM on raw pickles (plain values, numpy arrays, NVIDIA network pickles with nested torch.save
 * blobs, hand-written hostile ones), read as a checkpoint and then used as a loader would.
 */
import { describe, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/torch/checkpoint.js';
import { fixture } from '../helpers.js';
import { PickleAsm } from '../pickle-asm.js';
import { expectFuzzClean, FUZZ_TIMEOUT_MS, materialiseTree } from './helpers.js';

const FIXTURES = [
  'plain_p0.pkl', 'plain_p1.pkl', 'plain_p2.pkl', 'plain_p3.pkl', 'plain_p4.pkl', 'plain_p5.pkl',
  'numpy_p2.pkl', 'numpy_p4.pkl', 'numpy_p5.pkl', 'nvidia_network.pkl', 'evil_os_system.pkl', 'evil_builtins_eval.pkl',
];

function handWritten(): Uint8Array[] {
  const deep = new PickleAsm().proto(2);
  for (let i = 0; i < 50; i++) deep.emptyList();
  for (let i = 0; i < 49; i++) deep.raw(0x61); // APPEND
  const memo = new PickleAsm().proto(4).raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0); // FRAME (length unchecked by design)
  memo.emptyDict().raw(0x94).str('k').raw(0x8a, 2, 0xff, 0x7f).raw(0x73); // MEMOIZE, SETITEM k: LONG1
  memo.raw(0x68, 0, 0x32, 0x86, 0x85); // BINGET 0, DUP, TUPLE2, TUPLE1
  return [
    deep.stop().bytesOut(),
    memo.stop().bytesOut(),
    new PickleAsm().proto(2).raw(0x8b, 9, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x80).stop().bytesOut(), // LONG4
    new PickleAsm().proto(0).raw(0x56).text('a\\u00e9\\U0001f600\n').stop().bytesOut(), // UNICODE escapes
    new PickleAsm().proto(2).stackGlobal('collections', 'OrderedDict').mark().tuple().reduce().stop().bytesOut(),
  ];
}

describe('fuzz: raw pickles', () => {
  it(
    'reads or clearly refuses every mutated pickle',
    async () => {
      await expectFuzzClean({
        target: 'pickle',
        corpus: [...FIXTURES.map(fixture), ...handWritten()],
        prefix: /^(pickle|torch): /,
        run: (bytes) => materialiseTree(readTorchCheckpoint(bytes).root),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});

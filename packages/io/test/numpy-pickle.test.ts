import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../src/torch/checkpoint.js';
import { NumpyArray, torchGlobals } from '../src/torch/torch-globals.js';
import { type HostTensor } from '../src/host-tensor.js';
import { unpickle } from '../src/torch/pickle.js';
import { expectTensor, expected, fixture } from './helpers.js';
import { PickleAsm } from './pickle-asm.js';

const read = (bytes: Uint8Array) => unpickle(bytes, { globals: torchGlobals({ loadNested: () => null }) }).value;
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe.each([2, 4, 5])('numpy arrays inside a protocol %i pickle', (protocol) => {
  const root = readTorchCheckpoint(fixture(`numpy_p${protocol}.pkl`)).root as Map<string, unknown>;

  it('reads C-order, Fortran-order and big-endian arrays into C-order little-endian HostTensors', () => {
    for (const name of Object.keys(expected.numpy_pickle)) {
      expectTensor(root.get(name) as HostTensor, expected.numpy_pickle[name], name);
    }
    if (protocol < 5) expect(root.get('w')).toBeInstanceOf(NumpyArray); // _reconstruct + BUILD path
  });

  it('reads numpy scalars as numbers', () => {
    expect(root.get('scalar')).toBe(0.25);
  });
});

describe('hostile numpy arrays inside a pickle', () => {
  it('refuses a numpy array whose BUILD state is hostile, naming the opcode', () => {
    const arr = (shape: number[], data: Uint8Array) =>
      new PickleAsm()
        .proto(2)
        .global('numpy.core.multiarray', '_reconstruct')
        .mark()
        .global('numpy', 'ndarray')
        .ints([0])
        .bytes(ascii('b'))
        .tuple()
        .reduce()
        .mark()
        .int(1)
        .ints(shape)
        .global('numpy', 'dtype')
        .mark()
        .str('f4')
        .false()
        .raw(0x88)
        .tuple()
        .reduce()
        .false()
        .bytes(data)
        .tuple()
        .raw(0x62) // BUILD
        .stop()
        .bytesOut();
    expect((read(arr([2], new Uint8Array(8))) as { shape: number[] }).shape).toEqual([2]);
    expect(() => read(arr([-2], new Uint8Array(8)))).toThrow(/^pickle: BUILD at offset \d+ of a NumpyArray: numpy array shape is not a tuple of ints ≥ 0: \(-2\)$/);
    expect(() => read(arr([2 ** 40], new Uint8Array(8)))).toThrow(/numpy array f32 \[1099511627776\] needs 4398046511104 bytes, its data has 8/);
  });
});

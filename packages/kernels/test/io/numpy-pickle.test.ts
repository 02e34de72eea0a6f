import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/io/torch/checkpoint.js';
import { NumpyArray } from '../../src/io/torch/torch-globals.js';
import { type HostTensor } from '../../src/io/host-tensor.js';
import { expectTensor, expected, fixture } from './helpers.js';

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

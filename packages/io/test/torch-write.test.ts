/**
 * writeTorchCheckpoint: read back by our own reader here; that torch 1.13 reads it too is recorded by
 * packages/stylegan/fixtures/check_rosinality_export.py (and compared in packages/stylegan/test/checkpoint.test.ts).
 */
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type HostTensor } from '../src/host-tensor.js';
import { readTorchCheckpoint } from '../src/torch/checkpoint.js';
import { flattenStateDict } from '../src/torch/state-dict.js';
import { PyFloat, PyOrderedDict, crc32, writeTorchCheckpoint } from '../src/torch/write-checkpoint.js';

const t = (dtype: HostTensor['dtype'], shape: number[], data: HostTensor['data']): HostTensor => ({ dtype, shape, data });

describe('writeTorchCheckpoint', () => {
  const state = new PyOrderedDict([
    ['conv.weight', t('f32', [2, 1, 3], Float32Array.from([1, -2, 3.5, 4, 5, -6e-8]))],
    ['scalar', t('f32', [], Float32Array.from([0.25]))],
    ['empty', t('f32', [0, 3], new Float32Array(0))],
    ['f64', t('f64', [2], Float64Array.from([Math.PI, -1e300]))],
    ['i64', t('i64', [2], BigInt64Array.from([-(2n ** 62n), 7n]))],
    ['mask', t('bool', [3], Uint8Array.from([1, 0, 1]))],
  ]);
  const root = new Map<string, any>([
    ['state_dict', state],
    ['epoch', 3],
    ['big', 2 ** 40],
    ['negative', -70000],
    ['lr', 0.002],
    ['beta', new PyFloat(1)],
    ['name', 'g_ema ünïcode'],
    ['flags', [true, false, null]],
  ]);
  const bytes = writeTorchCheckpoint(root);

  it('is read back with every value, dtype and shape intact', () => {
    const ckpt = readTorchCheckpoint(bytes);
    expect(ckpt.format).toBe('zip');
    const back = ckpt.root as Map<string, unknown>;
    expect(back.get('epoch')).toBe(3);
    expect(back.get('big')).toBe(2 ** 40);
    expect(back.get('negative')).toBe(-70000);
    expect(back.get('lr')).toBe(0.002);
    expect(back.get('beta')).toBe(1);
    expect(back.get('name')).toBe('g_ema ünïcode');
    expect(back.get('flags')).toEqual([true, false, null]);
    const tensors = flattenStateDict(back.get('state_dict'));
    expect([...tensors.keys()]).toEqual([...state.keys()]);
    for (const [k, value] of state) {
      const v = value as HostTensor;
      const u = tensors.get(k)!;
      expect([u.dtype, u.shape], k).toEqual([v.dtype, v.shape]);
      expect(Array.from(u.data as ArrayLike<unknown>), k).toEqual(Array.from(v.data as ArrayLike<unknown>));
    }
  });

  it('has torch.save\'s zip layout: data.pkl first, one record per storage, version 3, data 64-byte aligned', () => {
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual([
      'archive/data.pkl',
      ...Array.from({ length: state.size }, (_, i) => `archive/data/${i}`),
      'archive/version',
    ]);
    expect(new TextDecoder().decode(files['archive/version'])).toBe('3\n');
    // Walk the local headers: each record's data must start on a multiple of 64.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (view.getUint32(at, true) === 0x04034b50) {
      const size = view.getUint32(at + 18, true);
      const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
      expect(dataStart % 64).toBe(0);
      at = dataStart + size;
    }
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('refuses what it cannot write, naming where', () => {
    expect(() => writeTorchCheckpoint(new Map([['x', t('u32', [1], Uint32Array.from([1]))]]))).toThrow(/x: dtype u32 has no torch storage type/);
    expect(() => writeTorchCheckpoint(new Map([['x', t('f32', [2, 2], new Float32Array(3))]]))).toThrow(/x: shape \[2, 2\] needs 4 elements, data has 3/);
    expect(() => writeTorchCheckpoint(new Map([['n', 2 ** 60]]))).toThrow(/n: .* is not a safe integer/);
    expect(() => writeTorchCheckpoint(new Map([['o', {} as never]]))).toThrow(/o: cannot pickle this value/);
    expect(() => writeTorchCheckpoint(new Map(), { archiveName: 'a/b' })).toThrow(/bad archive name/);
  });
});

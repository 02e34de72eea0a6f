import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type HostTensor } from '../src/host-tensor.js';
import { readNpy, readNpz, writeNpy } from '../src/npy.js';
import { expectTensor, expected, fixture, truncations } from './helpers.js';
import { mulberry32 } from '../src/testing/seeded-random.js';

describe('npy', () => {
  const names = Object.keys(expected.npy);

  it.each(names)('reads %s.npy exactly', (name) => {
    expectTensor(readNpy(fixture(`${name}.npy`)), expected.npy[name], name);
  });

  it.each(['f4_v2.npy', 'f4_v3.npy'])('reads header version 2/3 (%s)', (file) => {
    expect(fixture(file)[6]).toBe(Number(file[4]));
    expectTensor(readNpy(fixture(file)), expected.npy.f4, file);
  });

  it.each(['f4', 'f8', 'i8', 'i4', 'u1', 'f2', 'scalar_f4', 'empty_f4'])('writes %s.npy byte-identical to numpy', (name) => {
    const bytes = fixture(`${name}.npy`);
    expect(writeNpy(readNpy(bytes))).toEqual(bytes);
  });

  it('round-trips random data of odd shapes', () => {
    const next = mulberry32(11);
    const cases: HostTensor[] = [
      { dtype: 'f32', shape: [3, 1, 7], data: Float32Array.from({ length: 21 }, () => next() * 2 - 1) },
      { dtype: 'f64', shape: [13], data: Float64Array.from({ length: 13 }, () => next() * 1e6) },
      { dtype: 'i64', shape: [2, 5], data: BigInt64Array.from({ length: 10 }, () => BigInt(Math.floor((next() - 0.5) * 2 ** 53))) },
      { dtype: 'f32', shape: [1, 18, 512], data: Float32Array.from({ length: 18 * 512 }, () => next()) },
      { dtype: 'f32', shape: [], data: new Float32Array([next()]) },
    ];
    for (const t of cases) {
      const bytes = writeNpy(t);
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      expect(readNpy(bytes)).toEqual(t);
    }
  });

  it('byte-swaps big-endian data', () => {
    // Rewrite the f4 fixture as '>f4': change the descr and reverse each element's bytes.
    const bytes = fixture('f4.npy').slice();
    const at = bytes.indexOf(0x3c); // '<' of '<f4'
    bytes[at] = 0x3e; // '>'
    for (let i = 128; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    expectTensor(readNpy(bytes), expected.npy.f4, '>f4');
  });

  it('refuses Fortran-ordered arrays with a clear error', () => {
    expect(() => readNpy(fixture('fortran.npy'), 'fortran.npy')).toThrow(
      /fortran\.npy is stored in Fortran \(column-major\) order.*np\.ascontiguousarray/,
    );
  });

  it('refuses non-numeric dtypes, naming the dtype', () => {
    expect(() => readNpy(fixture('unicode.npy'))).toThrow(/has dtype '<U1', which is not supported/);
  });

  it('refuses a wrong magic string and an unknown version', () => {
    const bytes = fixture('f4.npy').slice();
    bytes[1] = 0x41;
    expect(() => readNpy(bytes)).toThrow(/does not start with the \\x93NUMPY magic string/);
    const v9 = fixture('f4.npy').slice();
    v9[6] = 9;
    expect(() => readNpy(v9)).toThrow(/format version 9\.0; only versions 1, 2 and 3/);
  });

  it('refuses truncated files at several cut points', () => {
    const bytes = fixture('f4.npy');
    for (const [cut, part] of truncations(bytes, [0, 5, 9])) {
      expect(() => readNpy(part), `cut ${cut}`).toThrow(/magic string/);
    }
    for (const [cut, part] of truncations(bytes, [10, 40, 127])) {
      expect(() => readNpy(part), `cut ${cut}`).toThrow(/header length 118 runs past the end/);
    }
    for (const [cut, part] of truncations(bytes, [128, 200, -1])) {
      expect(() => readNpy(part), `cut ${cut}`).toThrow(/is truncated: f32 \[2, 3, 5\] needs 120 data bytes/);
    }
  });

  it('refuses malformed headers without evaluating them', () => {
    const bytes = fixture('f4.npy').slice();
    const text = "{'descr': __import__('os'), }";
    for (let i = 0; i < text.length; i++) bytes[10 + i] = text.charCodeAt(i);
    expect(() => readNpy(bytes)).toThrow(/malformed header \(unexpected token/);
  });

  it('refuses 20 000 nested brackets in the header (used to overflow the recursive parser)', () => {
    const file = npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(20_000)}1${')'.repeat(20_000)}, }`);
    expect(() => readNpy(file, 'deep.npy')).toThrow(/^npy: deep\.npy has a malformed header \(brackets nested more than 16 deep at character 65\)/);
  });

  it('parses a header of 100 000 tokens (a shape of 100 000 ones) in one linear pass', () => {
    const dims = new Array<string>(100_000).fill('1').join(', ');
    const t = readNpy(concat(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`), new Uint8Array(4)));
    expect(t.shape.length).toBe(100_000);
    expect(t.data.length).toBe(1);
  });
});

/** A version-2 .npy whose header is `text` (padded with a newline), with no data. */
function npyWithHeader(text: string): Uint8Array {
  const header = new TextEncoder().encode(`${text}\n`);
  const out = new Uint8Array(12 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('npz', () => {
  it.each(['arrays.npz', 'arrays_compressed.npz'])('reads %s', (file) => {
    const arrays = readNpz(fixture(file));
    expect([...arrays.keys()].sort()).toEqual(Object.keys(expected.npz).sort());
    for (const [name, desc] of Object.entries(expected.npz)) expectTensor(arrays.get(name), desc as never, name);
  });

  it('names the bad member of an archive', () => {
    const zip = zipSync({ 'good.npy': fixture('f8.npy'), 'bad.npy': fixture('fortran.npy') });
    expect(() => readNpz(zip)).toThrow(/npz member 'bad\.npy' is stored in Fortran/);
  });

  it('refuses bytes that are not a zip archive', () => {
    expect(() => readNpz(fixture('f4.npy'))).toThrow(/^npz: the zip archive is damaged or truncated: no end-of-central-directory record/);
    expect(() => readNpz(fixture('arrays.npz').slice(0, 300), { name: 'w.npz' })).toThrow(
      /^npz: w\.npz: the zip archive is damaged or truncated/,
    );
  });

  it('refuses an end record claiming 65535 entries, and sizes deflate cannot reach, before allocating', () => {
    const bytes = fixture('arrays_compressed.npz').slice();
    const view = new DataView(bytes.buffer);
    const end = bytes.length - 22; // no archive comment
    expect(view.getUint32(end, true)).toBe(0x06054b50);
    view.setUint16(end + 10, 0xffff, true);
    expect(() => readNpz(bytes)).toThrow(/^npz: the zip archive is damaged or truncated: the end record declares 65535 entries, but a \d+-byte central directory/);

    const big = fixture('arrays_compressed.npz').slice();
    const bigView = new DataView(big.buffer);
    const cd = bigView.getUint32(big.length - 22 + 16, true);
    bigView.setUint32(cd + 24, 0xfffffff0, true); // the first member's uncompressed size: 4 GB
    expect(() => readNpz(big)).toThrow(/declares 4294967280 bytes from \d+ compressed bytes, beyond what deflate can expand to/);
  });

  it('caps the bytes deflated members inflate to (maxInflatedBytes)', () => {
    expect(() => readNpz(fixture('arrays_compressed.npz'), { name: 'z.npz', maxInflatedBytes: 100 })).toThrow(
      /^npz: z\.npz: entry '\w+\.npy' inflates to \d+ bytes, which would take the archive past the 100-byte limit on inflated data \(option maxInflatedBytes\)$/,
    );
  });
});

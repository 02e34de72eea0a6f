import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ZipArchive } from '../src/zip.js';
import { fixture } from './helpers.js';
import { mulberry32 } from '../src/testing/seeded-random.js';

const centralEntries = (bytes: Uint8Array): number[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) if (view.getUint32(i, true) === 0x02014b50) at.push(i);
  return at;
};

describe('ZipArchive', () => {
  it.each(['zip_checkpoint.pt', 'torchscript.pt', 'arrays.npz', 'arrays_compressed.npz'])('reads every entry of %s as fflate does', (file) => {
    const bytes = fixture(file);
    const zip = ZipArchive.open(bytes, 'test');
    const want = unzipSync(bytes);
    expect(zip.names).toEqual(Object.keys(want));
    for (const name of zip.names) expect(zip.read(name), name).toEqual(want[name]);
    expect(zip.read('no/such/entry')).toBeUndefined();
  });

  it('inflates random data of awkward sizes exactly, across chunk boundaries', () => {
    const next = mulberry32(3);
    for (const n of [0, 1, 65535, 65536, 65537, 300_001]) {
      // Half-random bytes: compressible enough to be deflated, not so much that chunks stay tiny.
      const data = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Math.floor(next() * 256) : i & 0xff));
      const zip = ZipArchive.open(zipSync({ d: [data, { level: 6 }] }), 'test');
      expect(zip.entry('d')!.method, `size ${n}`).toBe(8);
      expect(zip.read('d'), `size ${n}`).toEqual(data);
    }
  });

  it('refuses entries that share bytes (overlapping zip bombs)', () => {
    const bytes = zipSync({ 'a.npy': new Uint8Array(100), 'b.npy': new Uint8Array(100) }, { level: 0 });
    const [first, second] = centralEntries(bytes);
    const view = new DataView(bytes.buffer);
    view.setUint32(second + 42, view.getUint32(first + 42, true), true); // b's local header offset := a's
    expect(() => ZipArchive.open(bytes, 'npz: w.npz')).toThrow(
      /^npz: w\.npz: the zip archive is damaged or truncated: entries '(a|b)\.npy' and '(a|b)\.npy' overlap \(at offset 0\)$/,
    );
  });

  it('refuses duplicate names, encryption and unknown methods, naming the entry', () => {
    const bytes = zipSync({ 'a.npy': new Uint8Array(4), 'b.npy': new Uint8Array(4) }, { level: 0 });
    const [first, second] = centralEntries(bytes);
    const dup = bytes.slice();
    dup[second + 46] = 0x61; // 'b.npy' -> 'a.npy' in the central directory
    expect(() => ZipArchive.open(dup, 't')).toThrow("t: the zip archive is damaged or truncated: two entries are named 'a.npy'");
    const enc = bytes.slice();
    enc[first + 8] |= 1;
    expect(() => ZipArchive.open(enc, 't')).toThrow("entry 'a.npy' is encrypted");
    const lzma = bytes.slice();
    lzma[first + 10] = 14;
    expect(() => ZipArchive.open(lzma, 't')).toThrow("entry 'a.npy' uses compression method 14 (only stored and deflate are supported)");
  });

  it('refuses every truncation of an archive with a clear message', () => {
    const bytes = fixture('arrays_compressed.npz');
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => {
        const zip = ZipArchive.open(bytes.subarray(0, cut), 'npz');
        for (const name of zip.names) zip.read(name);
      }, `cut ${cut}`).toThrow(/^npz: the zip archive is damaged or truncated: /);
    }
  });
});

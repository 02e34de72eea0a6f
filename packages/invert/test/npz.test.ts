/**
 * projected_w.npz as NVIDIA writes it (`np.savez(path, w=...)`): kernels' writeNpz gives a stored zip with one
 * member `w.npy`, read back by readNpz, and — when Debian's python3 with NumPy is present — by numpy itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpz, writeNpz } from '@stylegpu/io';

const w = Float32Array.from({ length: 1 * 6 * 32 }, (_, i) => Math.fround(Math.sin(i) * 3.5));
const bytes = writeNpz({ w: { dtype: 'f32', shape: [1, 6, 32], data: w } });

describe('projected_w.npz', () => {
  it('is a stored zip holding w.npy that readNpz reads back exactly', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(0x04034b50); // local file header
    expect(view.getUint16(8, true)).toBe(0); // method 0: stored, as np.savez
    const name = new TextDecoder().decode(bytes.subarray(30, 30 + view.getUint16(26, true)));
    expect(name).toBe('w.npy');
    const back = readNpz(bytes).get('w')!;
    expect([back.dtype, ...back.shape]).toEqual(['f32', 1, 6, 32]);
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(w));
  });

  it('numpy loads it (skipped without python3 + numpy)', () => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.log('skipped: /usr/bin/python3 with numpy is not installed (apt-get install python3-numpy)');
      return;
    }
    const file = join(mkdtempSync(join(tmpdir(), 'invert-npz-')), 'projected_w.npz');
    writeFileSync(file, bytes);
    const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(file)})['w']; print(a.dtype, a.shape, repr(float(a[0, 5, 31])))`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`float32 (1, 6, 32) ${w[5 * 32 + 31]}`);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

describe('kernel profiler', () => {
  it('times every dispatch by kernel, across batches, without changing results', async () => {
    const rt = await testRuntime();
    const a = rt.tensor(Float32Array.from({ length: 96 * 80 }, (_, i) => Math.sin(i)), [96, 80]);
    const b = rt.tensor(Float32Array.from({ length: 80 * 72 }, (_, i) => Math.cos(i)), [80, 72]);
    const plain = rt.tidy(() => K.matmul(a, b));
    const want = await plain.read();

    const profile = rt.startProfile();
    const got = rt.tidy(() => K.matmul(a, b));
    // More adds than one batch's query set holds: the profile must span several submits.
    let acc = rt.tidy(() => K.add(a, a));
    const adds = rt.maxDispatchesPerSubmit + 37;
    for (let i = 1; i < adds; i++) {
      const next = K.add(acc, a);
      acc.dispose();
      acc = next;
    }
    const rows = await profile.stop();

    expect(Array.from(await got.read())).toEqual(Array.from(want));
    const sum = await acc.read();
    expect(sum[5]).toBeCloseTo((adds + 1) * Math.sin(5), 3);
    const byOp = (op: string) => rows.filter((r) => r.op === op);
    expect(byOp('matmul').reduce((n, r) => n + r.calls, 0)).toBe(1);
    expect(rows.filter((r) => r.key.startsWith('binary|add')).reduce((n, r) => n + r.calls, 0)).toBe(adds);
    for (const r of rows) expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(rows.reduce((t, r) => t + r.ms, 0)).toBeGreaterThan(0);
    // Slowest first.
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].ms).toBeGreaterThanOrEqual(rows[i].ms);
    const table = K.formatProfile(rows, 1);
    expect(table).toMatch(/^\s*ms\s+share\s+calls\s+kernel/);
    expect(table).toMatch(/more kernels/);
    expect(table).toMatch(/total$/);
    for (const t of [a, b, plain, got, acc]) t.dispose();
  });

  it('refuses a second profile, a second stop, and records nothing after stop', async () => {
    const rt = await testRuntime();
    const p = rt.startProfile();
    expect(() => rt.startProfile()).toThrow(/startProfile: a profile is already running/);
    expect(await p.stop()).toEqual([]);
    await expect(p.stop()).rejects.toThrow(/already stopped/);
    const q = rt.startProfile();
    const rows = await q.stop();
    expect(rows).toEqual([]);
    const x = rt.tidy(() => K.add(rt.tensor([1, 2]), rt.tensor([3, 4])));
    expect(Array.from(await x.read())).toEqual([4, 6]);
    x.dispose();
  });
});

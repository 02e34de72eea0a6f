import { afterAll, describe, expect, it } from 'vitest';
import * as io from '@stylegpu/io';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

describe('fromHost / toHost', () => {
  it('f32 round-trips exactly at awkward shapes, including a scalar and an empty tensor', async () => {
    const rt = await testRuntime();
    for (const shape of [[3, 1, 5], [7], [], [0, 4]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const h = io.hostTensor('f32', shape, Float32Array.from(randn(rng, n)));
      const t = K.fromHost(rt, h, { name: 'w' });
      expect(t.shape).toEqual(shape);
      expect(t.dtype).toBe('f32');
      expect(t.name).toBe('w');
      const back = await K.toHost(t);
      expect(back.dtype).toBe('f32');
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data as Float32Array)).toEqual(Array.from(h.data as Float32Array));
      t.dispose();
    }
  });

  it('f16, bf16 and f64 become f32 on upload (half types exactly, f64 rounded to nearest)', async () => {
    const rt = await testRuntime();
    const values = [0, -0.5, 1.5, 65504, -(2 ** -24), 3.140625, -1e-3, 1234.5];
    const f16 = io.hostTensor('f16', [2, 4], Uint16Array.from(values, io.numberToFloat16Bits));
    const expected16 = values.map((v) => io.float16BitsToNumber(io.numberToFloat16Bits(v)));
    expect(Array.from(await K.fromHost(rt, f16).read())).toEqual(expected16);

    // bf16 is the top 16 bits of an f32.
    const bf = Float32Array.from([1, -2.5, 3.0e38, 1.1754944e-38, 0.15625]);
    const bfBits = Uint16Array.from(new Uint32Array(bf.buffer), (u) => u >>> 16);
    const expectedBf = Array.from(new Float32Array(Uint32Array.from(bfBits, (b) => b << 16).buffer));
    expect(Array.from(await K.fromHost(rt, io.hostTensor('bf16', [5], bfBits)).read())).toEqual(expectedBf);

    const f64 = Float64Array.from(randn(rng, 13));
    f64[0] = 1 + 2 ** -30; // not representable in f32
    const t64 = K.fromHost(rt, io.hostTensor('f64', [13, 1], f64));
    expect(t64.dtype).toBe('f32');
    expect(t64.shape).toEqual([13, 1]);
    expect(Array.from(await t64.read())).toEqual(Array.from(f64, Math.fround));
  });

  it('integers: i64 narrows to i32 and u64 to u32 with a range check; small ints widen', async () => {
    const rt = await testRuntime();
    const i64 = K.fromHost(rt, io.hostTensor('i64', [2, 3], BigInt64Array.from([0n, -1n, 2147483647n, -2147483648n, 42n, 7n])));
    expect(i64.dtype).toBe('i32');
    expect(Array.from(await i64.read())).toEqual([0, -1, 2147483647, -2147483648, 42, 7]);
    const u64 = K.fromHost(rt, io.hostTensor('u64', [2], BigUint64Array.from([0n, 4294967295n])));
    expect(u64.dtype).toBe('u32');
    expect(Array.from(await u64.read())).toEqual([0, 4294967295]);
    const i8 = K.fromHost(rt, io.hostTensor('i8', [3], Int8Array.from([-128, 0, 127])));
    expect([i8.dtype, Array.from(await i8.read())]).toEqual(['i32', [-128, 0, 127]]);
    const bool = K.fromHost(rt, io.hostTensor('bool', [3], Uint8Array.from([1, 0, 1])));
    expect([bool.dtype, Array.from(await bool.read())]).toEqual(['u32', [1, 0, 1]]);
    const i32 = K.fromHost(rt, io.hostTensor('i32', [2], Int32Array.from([-5, 9])));
    const back = await K.toHost(i32);
    expect([back.dtype, back.shape, Array.from(back.data as Int32Array)]).toEqual(['i32', [2], [-5, 9]]);
    for (const t of [i64, u64, i8, bool, i32]) t.dispose();
  });

  it('refuses out-of-range 64-bit values, short data and oversize tensors before uploading', async () => {
    const rt = await testRuntime();
    const live = rt.liveTensors;
    const created = rt.pool.getStats().created;
    expect(() => K.fromHost(rt, io.hostTensor('i64', [3], BigInt64Array.from([1n, 2n ** 31n, 3n])), { name: 'step' })).toThrow(
      /^fromHost: 'step' i64 \[3\] holds 2147483648 at element 1, outside the i32 range \[-2147483648, 2147483647\]/,
    );
    expect(() => K.fromHost(rt, io.hostTensor('u64', [1], BigUint64Array.from([2n ** 40n])))).toThrow(/^fromHost: u64 \[1\] holds 1099511627776 at element 0, outside the u32 range/);
    expect(() => K.fromHost(rt, { dtype: 'f32', shape: [2, 3], data: new Float32Array(5) })).toThrow(/^fromHost: f32 \[2, 3\] needs 6 elements, its data has 5/);
    const limit = rt.gpu.limits.maxStorageBufferBindingSize;
    const n = limit / 4 + 1;
    // A typed array over the limit is big; the check must come before converting or uploading it.
    expect(() => K.fromHost(rt, { dtype: 'f16', shape: [n], data: new Uint16Array(n) })).toThrow(
      new RegExp(`^fromHost: f16 \\[${n}\\] needs ${n * 4} bytes as f32, over this adapter's maxStorageBufferBindingSize of ${limit} bytes`),
    );
    expect(rt.liveTensors).toBe(live);
    expect(rt.pool.getStats().created).toBe(created);
    const t = rt.tensor([1]);
    t.dispose();
    await expect(K.toHost(t)).rejects.toThrow(/^toHost: tensor #\d+ \[1\] was used after dispose\(\)/);
  });

  it('a safetensors checkpoint becomes GPU tensors (fromHostMap), and GPU tensors write back', async () => {
    const rt = await testRuntime();
    const bits = Uint16Array.from([0.5, -1.25, 2, 8], io.numberToFloat16Bits);
    const file = io.writeSafetensors({
      'mapping.fc0.weight': io.hostTensor('f32', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6)),
      'mapping.fc0.bias': io.hostTensor('f16', [4], bits),
      num_batches_tracked: io.hostTensor('i64', [], BigInt64Array.of(12345n)),
    });
    const loaded = K.fromHostMap(rt, io.readSafetensors(file).tensors);
    expect([...loaded.keys()].sort()).toEqual(['mapping.fc0.bias', 'mapping.fc0.weight', 'num_batches_tracked']);
    const w = loaded.get('mapping.fc0.weight')!;
    expect([w.name, w.shape, Array.from(await w.read())]).toEqual(['mapping.fc0.weight', [3, 2], [1, 2, 3, 4, 5, 6]]);
    expect(Array.from(await loaded.get('mapping.fc0.bias')!.read())).toEqual([0.5, -1.25, 2, 8]);
    const counter = loaded.get('num_batches_tracked')!;
    expect([counter.dtype, counter.shape, await counter.item()]).toEqual(['i32', [], 12345]);

    // The GPU result of an op goes back out through the same writers.
    const doubled = K.mulScalar(w, 2);
    const again = io.readSafetensors(io.writeSafetensors({ doubled: await K.toHost(doubled) })).tensors.get('doubled')!;
    expect([again.dtype, again.shape, Array.from(again.data as Float32Array)]).toEqual(['f32', [3, 2], [2, 4, 6, 8, 10, 12]]);

    // A bad entry disposes what was already uploaded.
    const live = rt.liveTensors;
    expect(() =>
      K.fromHostMap(rt, { ok: io.hostTensor('f32', [2], Float32Array.of(1, 2)), bad: io.hostTensor('i64', [1], BigInt64Array.of(-(2n ** 40n))) }),
    ).toThrow(/^fromHost: 'bad' i64 \[1\]/);
    expect(rt.liveTensors).toBe(live);
    for (const t of [...loaded.values(), doubled]) t.dispose();
  });
});

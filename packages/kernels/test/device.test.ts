import { afterAll, describe, expect, it } from 'vitest';
import { createDevice, describeAdapter, kernel, bindings, flatMain, f32, DESIGN_LIMITS } from '../src/index.node.js';
import { makeRng, uniform } from '../src/testing/index.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

describe('createDevice', () => {
  it('opens a device with the adapter report and at least the design limits', async () => {
    const ctx = await createDevice();
    expect(typeof describeAdapter(ctx.adapter)).toBe('string');
    expect(ctx.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(DESIGN_LIMITS.maxComputeInvocationsPerWorkgroup);
    expect(ctx.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(DESIGN_LIMITS.maxComputeWorkgroupStorageSize);
    expect(ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(DESIGN_LIMITS.maxStorageBufferBindingSize);
    // The device got every limit the adapter offers for what we requested.
    expect(ctx.device.limits.maxStorageBufferBindingSize).toBe(ctx.limits.maxStorageBufferBindingSize);
    ctx.device.destroy();
    const info = await ctx.lost;
    expect(info.reason).toBe('destroyed');
  });
});

describe('a handwritten WGSL kernel round trip', () => {
  it('computes a·x + y elementwise like the CPU, at an odd size', async () => {
    const rt = await testRuntime();
    const rng = makeRng();
    const n = 100_003; // not a multiple of the workgroup size
    const x = Float32Array.from(uniform(rng, n, -3, 3));
    const y = Float32Array.from(uniform(rng, n, -3, 3));
    const a = Math.fround(rng() * 4 - 2);
    const axpy = kernel('axpyTest', 'f32', () => `
${bindings([['X', 'f32'], ['Y', 'f32']], [['out', 'f32']], 'n: u32, a: f32')}
${flatMain(64, '  if (idx < u.n) { out[idx] = u.a * X[idx] + Y[idx]; }')}`);
    const out = rt.tidy(() => {
      const o = rt.empty([n]);
      rt.dispatch(axpy, { read: [rt.tensor(x), rt.tensor(y)], write: [o], uniforms: [n, f32(a)], workgroups: Math.ceil(n / 64) });
      return o;
    });
    const got = await out.read();
    out.dispose();
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - Math.fround(Math.fround(a * x[i]) + y[i])));
    // fma on the GPU may skip the intermediate rounding: allow one ulp of the result's scale.
    expect(maxErr).toBeLessThanOrEqual(3 * 2 ** -23 * 16);
  });

  it('splits a dispatch larger than the per-dimension workgroup limit', async () => {
    const rt = await testRuntime();
    const limit = rt.gpu.limits.maxComputeWorkgroupsPerDimension;
    const n = (limit + 5) * 4; // > limit workgroups of 4 threads
    const iota = kernel('iotaTest', 'u32', () => `
${bindings([], [['out', 'u32']], 'n: u32')}
${flatMain(4, '  if (idx < u.n) { out[idx] = idx * 3u; }')}`);
    const o = rt.empty([n], 'u32');
    rt.dispatch(iota, { write: [o], uniforms: [n], workgroups: Math.ceil(n / 4) });
    const got = await o.read();
    o.dispose();
    let bad = -1;
    for (let i = 0; i < n; i++) if (got[i] !== i * 3) { bad = i; break; }
    expect(bad).toBe(-1);
  });
});

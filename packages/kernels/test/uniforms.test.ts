import { afterAll, describe, expect, it } from 'vitest';
import { bindings, kernel } from '../src/kernel.js';
import { uniformStruct, vec4f, vec4u } from '../src/uniforms.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

describe('uniformStruct', () => {
  const U = uniformStruct({ shape: vec4u(2), H: 'u32', qx: 'i32', gain: 'f32' });

  it('declares the fields in order and packs the values in that order', () => {
    expect(U.wgsl).toBe('shape: array<vec4<u32>, 2>, H: u32, qx: i32, gain: f32');
    // Keys given in another order still pack in declaration order.
    expect(U.pack({ gain: 0.5, qx: -3, H: 7, shape: [2, 3, 5] })).toEqual([2, 3, 5, 0, 0, 0, 0, 0, 7, { i32: -3 }, { f32: 0.5 }]);
  });

  it('declares and packs f32 arrays, zero-padded', () => {
    const F = uniformStruct({ scale: vec4f(2), n: 'u32' });
    expect(F.wgsl).toBe('scale: array<vec4<f32>, 2>, n: u32');
    expect(F.pack({ scale: [0.5, -2], n: 3 })).toEqual([{ f32: 0.5 }, { f32: -2 }, ...Array(6).fill({ f32: 0 }), 3]);
    expect(() => F.pack({ scale: Array(9).fill(1), n: 3 })).toThrow(/'scale' holds at most 8 values, got 9/);
  });

  it('refuses missing, unknown and out-of-range values, naming the field', () => {
    expect(() => U.pack({ shape: [1], H: 1, qx: 0 } as never)).toThrow(/missing value for 'gain'/);
    expect(() => U.pack({ shape: [1], H: 1, qx: 0, gain: 1, extra: 2 } as never)).toThrow(/unknown field 'extra'/);
    // A name every object inherits is still not a field.
    expect(() => U.pack({ shape: [1], H: 1, qx: 0, gain: 1, toString: 2 } as never)).toThrow(/unknown field 'toString'/);
    expect(() => U.pack({ shape: [1], H: -1, qx: 0, gain: 1 })).toThrow(/'H' must be a u32, got -1/);
    expect(() => U.pack({ shape: [1], H: 1.5, qx: 0, gain: 1 })).toThrow(/'H' must be a u32/);
    expect(() => U.pack({ shape: [1], H: 1, qx: 2 ** 31, gain: 1 })).toThrow(/'qx' must be an i32/);
    expect(() => U.pack({ shape: [1, 2, 3, 4, 5, 6, 7, 8, 9], H: 1, qx: 0, gain: 1 })).toThrow(/'shape' holds at most 8 values, got 9/);
  });

  it('refuses declarations WGSL would lay out with holes, or that are not identifiers', () => {
    expect(() => uniformStruct({ n: 'u32', shape: vec4u(1) })).toThrow(/'shape' must come before every scalar field/);
    expect(() => uniformStruct({ n: 'u32', scale: vec4f(1) })).toThrow(/'scale' must come before every scalar field/);
    expect(() => uniformStruct({ scale: vec4f(0) })).toThrow(/'scale' needs a positive vec4 count/);
    expect(() => uniformStruct({ 'a-b': 'u32' })).toThrow(/not a WGSL identifier/);
    expect(() => uniformStruct({})).toThrow(/no fields/);
  });

  it('the shader reads each field where the packer wrote it', async () => {
    const rt = await testRuntime();
    const S = uniformStruct({ dims: vec4u(2), w: vec4f(1), a: 'u32', b: 'i32', c: 'f32', d: 'u32', e: 'f32' });
    const k = kernel('uniforms-test', 'readback', () => `
${bindings([], [['out', 'f32']], S.wgsl)}
@compute @workgroup_size(1)
fn main() {
  for (var i = 0u; i < 8u; i++) { out[i] = f32(u.dims[i / 4u][i % 4u]); }
  out[8] = f32(u.a); out[9] = f32(u.b); out[10] = u.c; out[11] = f32(u.d); out[12] = u.e;
  for (var i = 0u; i < 4u; i++) { out[13u + i] = u.w[0][i]; }
}`);
    const out = rt.empty([17], 'f32', 'uniforms-test');
    rt.dispatch(k, { write: [out], uniforms: S.pack({ dims: [3, 1, 4, 1, 5, 9, 2], w: [1.5, -7, 0.125], a: 6, b: -5, c: 3.5, d: 8, e: -0.25 }), workgroups: 1 });
    expect(Array.from(await out.read())).toEqual([3, 1, 4, 1, 5, 9, 2, 0, 6, -5, 3.5, 8, -0.25, 1.5, -7, 0.125, 0]);
    out.dispose();
  });
});

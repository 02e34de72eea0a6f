/**
 * f16 tensors: upload rounding, `cast`, f16 arithmetic (elementwise, matmul) and the refusals.
 *
 * References are float64 computations on the f16-rounded inputs. An op computed in f16 and
 * rounded once is within half an f16 ulp (2⁻¹¹ ≈ 4.9e-4 relative) of the exact result; the
 * tolerances below allow a few ulps relative to the output's scale (GPU f16 `exp`/`tanh` need not
 * be correctly rounded).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { makeRng, randn } from '../src/testing/index.js';
import { destroyTestRuntime, expectClose, testRuntime, withVariant } from '../src/testing/vitest/index.js';
import { broadcastRef } from './reference/elementwise.js';
import { matmulRef } from './reference/matmul.js';

afterAll(() => destroyTestRuntime());
const rng = makeRng();

/** The two f16 values around x (equal when x is one); float64 arithmetic, normal and subnormal range. */
function f16Neighbours(x: number): [number, number] {
  if (x === 0) return [0, 0];
  const a = Math.abs(x);
  let e = Math.max(Math.floor(Math.log2(a)), -14);
  if (e > -14 && 2 ** e > a) e--; // log2 rounded up just below a power of two
  const ulp = 2 ** (e - 10);
  const lo = Math.floor(a / ulp) * ulp;
  const hi = Math.ceil(a / ulp) * ulp;
  return x < 0 ? [-hi, -lo] : [lo, hi];
}

/** x rounded to the nearest f16, ties to even. */
function f16Round(x: number): number {
  const [lo, hi] = f16Neighbours(x);
  if (lo === hi) return lo;
  const dLo = x - lo;
  const dHi = hi - x;
  if (dLo !== dHi) return dLo < dHi ? lo : hi;
  // A tie: the neighbour whose last significand bit is 0.
  const ulp = hi - lo;
  return Math.round(lo / ulp) % 2 === 0 ? lo : hi;
}

const F16_TOL = 2e-3;
const rounded = (xs: ArrayLike<number>) => Float64Array.from(xs, f16Round);

describe('f16 storage', () => {
  it('uploads round to nearest even and read back exactly, odd lengths included', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return; // the refusal test below covers devices without shader-f16
    // Normal values, subnormals (below 2⁻¹⁴), exact ties between f16 neighbours, and 1001 elements (odd).
    const values = Float32Array.from([
      ...randn(rng, 990, 30),
      3e-6, -4.5e-7, 6.1e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2048 + 1, 65504, -0.1, 0.3, 1 / 3, 0,
    ]);
    expect(values.length).toBe(1001);
    const t = rt.tensor(values, [7, 11, 13], 'f16');
    expect(t.dtype).toBe('f16');
    expect(t.byteSize).toBe(2002);
    const back = await t.read();
    expect(back).toBeInstanceOf(Float32Array);
    for (let i = 0; i < values.length; i++) {
      if (back[i] !== f16Round(values[i])) throw new Error(`element ${i}: ${values[i]} read back as ${back[i]}, expected ${f16Round(values[i])}`);
    }
    t.dispose();
  });

  it('toHost gives the f16 bits the io writers expect', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    const t = rt.tensor([1, -2, 0.5], [3], 'f16');
    const host = await K.toHost(t);
    expect(host.dtype).toBe('f16');
    expect([...(host.data as Uint16Array)]).toEqual([0x3c00, 0xc000, 0x3800]);
    t.dispose();
  });
});

describe('cast', () => {
  it('f32 → f16 gives one of the two neighbouring f16 values; f16 → f32 is exact; same dtype is the identity', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    const x = Float32Array.from(randn(rng, 4099, 100)); // odd length, several workgroups
    await rt.tidyAsync(async () => {
      const xt = rt.tensor(x, [4099]);
      const h = K.cast(xt, 'f16');
      expect(h.dtype).toBe('f16');
      const got = await h.read();
      let nearest = 0;
      for (let i = 0; i < x.length; i++) {
        const [lo, hi] = f16Neighbours(x[i]);
        if (got[i] !== lo && got[i] !== hi) throw new Error(`element ${i}: ${x[i]} cast to ${got[i]}, not ${lo} or ${hi}`);
        if (got[i] === f16Round(x[i])) nearest++;
      }
      // WGSL lets the conversion pick either neighbour; most must still be the nearest.
      expect(nearest).toBeGreaterThan(x.length / 2);
      const back = K.cast(h, 'f32');
      expect(back.dtype).toBe('f32');
      expect(await back.read()).toEqual(got);
      expect(K.cast(xt, 'f32')).toBe(xt);
    });
  });

  it('backward casts the gradient back to the input type', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    await rt.tidyAsync(async () => {
      const x = rt.tensor([0.5, -1.25, 3], [3]);
      x.requiresGrad = true;
      const g = rt.tensor([1, 2, -0.5], [3], 'f16');
      K.backward(K.cast(x, 'f16'), g);
      expect(x.grad!.dtype).toBe('f32');
      expect([...(await x.grad!.read())]).toEqual([1, 2, -0.5]);
      x.dispose();
    });
  });
});

describe('f16 elementwise arithmetic vs float64', () => {
  const shapes: Array<[string, number[], number[]]> = [
    ['same shape, vec4 path', [4, 6, 8], [4, 6, 8]],
    ['same shape, odd size', [3, 5, 7], [3, 5, 7]],
    ['broadcast rows (per-channel)', [2, 5, 9, 70], [1, 5, 1, 1]],
    ['broadcast, general path', [3, 1, 5], [1, 4, 1]],
  ];
  const ops: Array<[K.BinaryOp, (a: number, b: number) => number]> = [
    ['add', (a, b) => a + b],
    ['mul', (a, b) => a * b],
    ['div', (a, b) => a / b],
    ['maximum', Math.max],
  ];
  for (const [label, sa, sb] of shapes) {
    it(`${label}: add, mul, div, maximum`, async () => {
      const rt = await testRuntime();
      if (!rt.hasF16) return;
      const n = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const a = rounded(randn(rng, n(sa), 2));
      // Divisors kept away from 0: |b| in [0.5, 2.5].
      const b = rounded(Array.from(randn(rng, n(sb)), (v) => Math.sign(v || 1) * (0.5 + Math.min(Math.abs(v), 2))));
      const out = K.broadcastShapes('test', sa, sb);
      for (const [op, f] of ops) {
        const expected = broadcastRef(f, sa, sb, out)([a, b]);
        const got = await rt.tidyAsync(async () => {
          const y = K.binaryRaw(op, rt.tensor(a, sa, 'f16'), rt.tensor(b, sb, 'f16'));
          expect(y.dtype).toBe('f16');
          return y.read();
        });
        expectClose(got, expected, F16_TOL, `f16 ${op} ${label}`);
      }
    });
  }

  it('unary ops (vec4 and odd sizes) with their gradients', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    for (const size of [64, 37]) {
      const x = rounded(randn(rng, size));
      const g = rounded(randn(rng, size));
      for (const [name, f, df] of [
        ['tanh', Math.tanh, (v: number) => 1 - Math.tanh(v) ** 2],
        ['exp', Math.exp, Math.exp],
        ['square', (v: number) => v * v, (v: number) => 2 * v],
      ] as const) {
        const [y, dx] = await rt.tidyAsync(async () => {
          const xt = rt.tensor(x, [size], 'f16');
          xt.requiresGrad = true;
          const yt = K.unary(name, xt);
          K.backward(yt, rt.tensor(g, [size], 'f16'));
          expect(xt.grad!.dtype).toBe('f16');
          const result = [await yt.read(), await xt.grad!.read()];
          xt.dispose();
          return result;
        });
        expectClose(y, x.map(f), F16_TOL, `f16 ${name} size ${size}`);
        // The derivative is evaluated in f16 from f16 intermediates: a few more roundings.
        expectClose(dx, x.map((v, i) => g[i] * df(v)), 2 * F16_TOL, `f16 ${name} gradient size ${size}`);
      }
    }
  });
});

describe('f16 matmul vs float64 (f32 sums, one rounding of the result)', () => {
  const cases = [
    { M: 13, N: 9, K: 37, transB: false, bias: false, batch: 1 },
    { M: 16, N: 12, K: 40, transB: false, bias: true, batch: 1 }, // vec4 A and B
    { M: 7, N: 20, K: 24, transB: true, bias: true, batch: 3 }, // linear layers' [out, in] weights
  ];
  for (const variant of ['shuffle', 'regblock', 'tiled'] as const) {
    for (const c of cases) {
      it(`${variant} ${c.batch}×${c.M}×${c.N}×${c.K}${c.transB ? ' Bᵀ' : ''}${c.bias ? ' +bias' : ''}`, async () => {
        const rt = await testRuntime();
        if (!rt.hasF16) return;
        await withVariant('matmul', variant, (r) => K.matmul(K.zeros(r, [2, 2]), K.zeros(r, [2, 2])), async () => {
          const a = rounded(randn(rng, c.batch * c.M * c.K));
          const b = rounded(randn(rng, c.K * c.N));
          const bias = rounded(randn(rng, c.N));
          const expected = matmulRef(a, b, { batchA: c.batch, batchB: 1, M: c.M, N: c.N, K: c.K, transB: c.transB, alpha: 0.5, bias: c.bias ? bias : undefined, beta: 2 });
          const got = await rt.tidyAsync(async () => {
            const at = rt.tensor(a, [c.batch, c.M, c.K], 'f16');
            const bt = rt.tensor(b, c.transB ? [c.N, c.K] : [c.K, c.N], 'f16');
            const y = K.matmul(at, bt, { transB: c.transB, alpha: 0.5, bias: c.bias ? rt.tensor(bias, [c.N], 'f16') : undefined, beta: 2 });
            expect(y.dtype).toBe('f16');
            return y.read();
          });
          expectClose(got, expected, F16_TOL, `f16 matmul ${variant}`);
        });
      });
    }
  }

  it('gradients of an unbatched f16 matmul', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    const [M, N, Kd] = [11, 6, 19];
    const a = rounded(randn(rng, M * Kd));
    const b = rounded(randn(rng, Kd * N));
    const g = rounded(randn(rng, M * N));
    const [da, db] = await rt.tidyAsync(async () => {
      const at = rt.tensor(a, [M, Kd], 'f16');
      const bt = rt.tensor(b, [Kd, N], 'f16');
      at.requiresGrad = true;
      bt.requiresGrad = true;
      K.backward(K.matmul(at, bt), rt.tensor(g, [M, N], 'f16'));
      const result = [await at.grad!.read(), await bt.grad!.read()];
      at.dispose();
      bt.dispose();
      return result;
    });
    // dA = G·Bᵀ, dB = Aᵀ·G
    expectClose(da, matmulRef(Float64Array.from(g), b, { batchA: 1, batchB: 1, M, N: Kd, K: N, transB: true }), F16_TOL, 'dA');
    expectClose(db, matmulRef(a, Float64Array.from(g), { batchA: 1, batchB: 1, M: Kd, N, K: M, transA: true }), F16_TOL, 'dB');
  });
});

describe('f16 data movement', () => {
  it('permute, slice (with its gradient) and concat move f16 values exactly', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    const [A, B, C] = [3, 5, 7]; // odd sizes: neighbouring f16 elements share 4-byte words
    const x = rounded(randn(rng, A * B * C));
    const at = (a: number, b: number, c: number) => x[(a * B + b) * C + c];
    await rt.tidyAsync(async () => {
      const xt = rt.tensor(x, [A, B, C], 'f16');
      const p = K.permute(xt, [2, 0, 1]);
      expect(p.dtype).toBe('f16');
      const pv = await p.read();
      for (let c = 0; c < C; c++) for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) expect(pv[(c * A + a) * B + b]).toBe(at(a, b, c));

      xt.requiresGrad = true;
      const s = K.slice(xt, [null, [1, 4], [2, 7]]);
      const sv = await s.read();
      let i = 0;
      for (let a = 0; a < A; a++) for (let b = 1; b < 4; b++) for (let c = 2; c < 7; c++) expect(sv[i++]).toBe(at(a, b, c));
      K.backward(s, K.onesLike(s));
      expect(xt.grad!.dtype).toBe('f16');
      const gv = await xt.grad!.read();
      for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
        expect(gv[(a * B + b) * C + c]).toBe(b >= 1 && b < 4 && c >= 2 ? 1 : 0);
      }

      const y = rounded(randn(rng, A * 2 * C));
      const cat = await K.concat([xt, rt.tensor(y, [A, 2, C], 'f16')], 1).read();
      for (let a = 0; a < A; a++) for (let b = 0; b < B + 2; b++) for (let c = 0; c < C; c++) {
        const want = b < B ? at(a, b, c) : y[(a * 2 + b - B) * C + c];
        expect(cat[(a * (B + 2) + b) * C + c]).toBe(want);
      }
      xt.dispose();
    });
  });
});

describe('f16: a mixed-precision chain trains an f32 parameter', () => {
  it('x (f32) → cast f16 → ·w (f16) → tanh → cast f32 → Σ: the gradient of x', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    const n = 50;
    const x = Float32Array.from(randn(rng, n));
    const w = rounded(randn(rng, n));
    const dx = await rt.tidyAsync(async () => {
      const xt = rt.tensor(x, [n]);
      xt.requiresGrad = true;
      const y = K.cast(K.tanh(K.mul(K.cast(xt, 'f16'), rt.tensor(w, [n], 'f16'))), 'f32');
      K.backward(K.sum(y));
      const result = await xt.grad!.read();
      xt.dispose();
      return result;
    });
    const expected = Float64Array.from(x, (v, i) => w[i] * (1 - Math.tanh(f16Round(v) * w[i]) ** 2));
    expectClose(dx, expected, 2 * F16_TOL, 'dΣ/dx through f16');
  });
});

describe('f16 refusals', () => {
  it('ops without f16 kernels, mixed dtypes and odd casts throw naming the op before dispatching', async () => {
    const rt = await testRuntime();
    if (!rt.hasF16) return;
    rt.tidy(() => {
      const h = rt.tensor([1, 2, 3, 4], [2, 2], 'f16');
      const f = rt.tensor([1, 2, 3, 4], [2, 2]);
      // Ops check their dtypes themselves; the runtime also refuses f16 for any kernel (a custom
      // one here) that does not declare it, before recording the dispatch.
      expect(() => K.softmax(h)).toThrow(/softmax: expected an f32 tensor, got f16/);
      expect(() => K.sum(h)).toThrow(/sum: expected an f32 tensor, got f16/);
      const copy = K.kernel('myCopy', 'f32', () => `${K.bindings([['X', 'f32']], [['out', 'f32']], 'n: u32')}
${K.flatMain(64, '  if (idx < u.n) { out[idx] = X[idx]; }')}`);
      const out = rt.empty([2, 2], 'f32');
      expect(() => rt.dispatch(copy, { read: [h], write: [out], uniforms: [4], workgroups: 1 })).toThrow(
        /myCopy: f16 tensors are not supported by this op \(got Tensor#\d+\(\[2, 2\], f16\)\); cast to f32 first/,
      );
      expect(() => K.add(h, f)).toThrow(/add: dtypes differ: f16 \[2, 2\] and f32 \[2, 2\]; cast one first/);
      expect(() => K.matmul(h, f)).toThrow(/matmul: dtypes differ: f16 \[2, 2\], f32 \[2, 2\]; cast first/);
      expect(() => K.cast(rt.tensor([1], [1], 'i32'), 'f16')).toThrow(/cast: expected an f32 or f16 tensor, got i32/);
      expect(() => K.cast(f, 'i32' as 'f16')).toThrow(/cast: can cast to f32 or f16, not i32/);
    });
  });

  it('a device without shader-f16 refuses f16 tensors by name', async () => {
    const rt = await K.createRuntime({ f16: false });
    try {
      expect(rt.hasF16).toBe(false);
      expect(() => rt.tensor([1, 2], [2], 'f16')).toThrow(/tensor: f16 tensors need the adapter's shader-f16 feature, which this device does not have \(shape \[2\]\)/);
      expect(() => K.cast(rt.tensor([1, 2], [2]), 'f16')).toThrow(/cast: f16 tensors need the adapter's shader-f16 feature/);
    } finally {
      rt.destroy();
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { type MatmulRefDims, matmulGradRef, matmulRef } from './reference/matmul.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

type Case = MatmulRefDims;
const cases: Case[] = [
  { batchA: 1, batchB: 1, M: 1, N: 1, K: 1 },
  { batchA: 1, batchB: 1, M: 67, N: 33, K: 19 }, // nothing divides the tiles
  { batchA: 1, batchB: 1, M: 70, N: 68, K: 64 }, // vec4 paths for A and B
  { batchA: 3, batchB: 3, M: 9, N: 12, K: 8, transA: true },
  { batchA: 2, batchB: 1, M: 13, N: 7, K: 20, transB: true, bias: true },
  { batchA: 1, batchB: 4, M: 5, N: 8, K: 3, transA: true, transB: true },
  { batchA: 2, batchB: 2, M: 130, N: 3, K: 5, bias: true },
  { batchA: 1, batchB: 1, M: 21, N: 133, K: 36, transB: true }, // Bᵀ read as vec4 along k; two workgroups across N
];

for (const variant of ['shuffle', 'regblock', 'tiled'] as const) {
  describe(`matmul (${variant})`, () => {
    for (const c of cases) {
      const label = `${variant} ${c.batchA}/${c.batchB}×${c.M}×${c.N}×${c.K}${c.transA ? ' Aᵀ' : ''}${c.transB ? ' Bᵀ' : ''}${c.bias ? ' +bias' : ''}`;
      it(label, async () => {
        const rt = await testRuntime();
        if (variant === 'shuffle' && rt.subgroupMinSize < 8) {
          // Without 8-lane subgroups the variant cannot run: forcing it must say so.
          rt.variants.matmul = variant;
          try {
            expect(() => rt.tidy(() => K.matmul(K.zeros(rt, [2, 2]), K.zeros(rt, [2, 2])))).toThrow(/matmul: the 'shuffle' variant needs subgroups/);
          } finally {
            rt.variants = {};
          }
          return;
        }
        rt.variants.matmul = variant;
        const aShape = [c.batchA, ...(c.transA ? [c.K, c.M] : [c.M, c.K])];
        const bShape = [c.batchB, ...(c.transB ? [c.N, c.K] : [c.K, c.N])];
        const alpha = 0.7;
        const beta = -1.3;
        const inputs = [
          { shape: aShape, data: randn(rng, c.batchA * c.M * c.K) },
          { shape: bShape, data: randn(rng, c.batchB * c.K * c.N) },
          ...(c.bias ? [{ shape: [c.N], data: randn(rng, c.N) }] : []),
        ];
        try {
          await checkOp({
            label,
            inputs,
            shape: [Math.max(c.batchA, c.batchB), c.M, c.N],
            gpu: (_rt, [a, b, bias]) => K.matmul(a, b, { transA: c.transA, transB: c.transB, alpha, bias, beta }),
            ref: ([a, b, bias]) => matmulRef(a, b, { ...c, alpha, bias, beta }),
            // Finite differences would need 2·size reference matmuls; the gradient is known exactly.
            refGrad: ([a, b], g) => matmulGradRef(a, b, g, c, alpha, beta),
          });
        } finally {
          rt.variants = {};
        }
      });
    }
  });
}

describe('linear', () => {
  it('equalised-lr linear matches x·(gain·W)ᵀ + lrMul·b, with gradients', async () => {
    const [n, inF, outF, lrMul] = [3, 10, 6, 0.01];
    const gain = lrMul / Math.sqrt(inF);
    await checkOp({
      label: 'linear',
      inputs: [
        { shape: [n, inF], data: randn(rng, n * inF) },
        { shape: [outF, inF], data: randn(rng, outF * inF, 100) },
        { shape: [outF], data: randn(rng, outF, 100) },
      ],
      shape: [n, outF],
      gpu: (_rt, [x, w, b]) => K.linear(x, w, b, { equalized: true, lrMul }),
      ref: ([x, w, b]) => matmulRef(x, w, { batchA: 1, batchB: 1, M: n, N: outF, K: inF, transB: true, alpha: gain, bias: b, beta: lrMul }),
    });
  });

  it('rejects an unknown forced variant by name', async () => {
    const rt = await testRuntime();
    rt.variants.matmul = 'strassen';
    try {
      expect(() => rt.tidy(() => K.matmul(K.zeros(rt, [2, 2]), K.zeros(rt, [2, 2])))).toThrow(/matmul: unknown variant 'strassen' \(shuffle, regblock, tiled\)/);
    } finally {
      rt.variants = {};
    }
  });

  it('rejects mismatched shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      expect(() => K.matmul(K.zeros(rt, [2, 3]), K.zeros(rt, [4, 5]))).toThrow(/matmul: inner dimensions differ in \[2, 3\] × \[4, 5\]/);
      expect(() => K.matmul(K.zeros(rt, [2, 2, 3]), K.zeros(rt, [3, 3, 5]))).toThrow(/batch dimensions/);
      expect(() => K.linear(K.zeros(rt, [2, 3]), K.zeros(rt, [4, 5]))).toThrow(/linear: input \[2, 3\] does not end in 5 features/);
    });
  });

  it('a large square product agrees with a float64 reference at sampled entries', async () => {
    const rt = await testRuntime();
    const n = 257;
    const a = randn(rng, n * n);
    const b = randn(rng, n * n);
    const c = await rt.tidy(() => K.matmul(rt.tensor(Float32Array.from(a), [n, n]), rt.tensor(Float32Array.from(b), [n, n]))).read();
    for (let s = 0; s < 64; s++) {
      const i = Math.floor(rng() * n);
      const j = Math.floor(rng() * n);
      let ref = 0;
      let mag = 0;
      for (let k = 0; k < n; k++) {
        ref += Math.fround(a[i * n + k]) * Math.fround(b[k * n + j]);
        mag += Math.abs(a[i * n + k] * b[k * n + j]);
      }
      expect(Math.abs(c[i * n + j] - ref) / mag).toBeLessThan(1e-5);
    }
  });
});

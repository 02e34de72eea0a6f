import { afterAll, describe, expect, it } from 'vitest';
import * as K from '../src/index.node.js';
import { makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { embeddingGradRef, embeddingRef } from './reference/embedding.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

const cases: Array<{ idShape: number[]; V: number; D: number; outOfRange?: boolean; fd: boolean }> = [
  { idShape: [], V: 3, D: 5, fd: true }, // a single id
  { idShape: [2, 3], V: 4, D: 5, fd: true }, // repeats guaranteed (6 ids, 4 rows)
  { idShape: [7], V: 6, D: 3, outOfRange: true, fd: true },
  { idShape: [3, 77], V: 50, D: 6, fd: false }, // CLIP-like context, many repeats
  { idShape: [1, 9], V: 1000, D: 1, fd: false },
];

describe('embedding', () => {
  for (const c of cases) {
    it(`ids ${JSON.stringify(c.idShape)} into [${c.V}, ${c.D}]${c.outOfRange ? ' with out-of-range ids' : ''}`, async () => {
      const n = c.idShape.reduce((a, b) => a * b, 1);
      const ids = Array.from({ length: n }, () => Math.floor(rng() * c.V));
      if (c.outOfRange) ids.splice(0, 3, -1, c.V, 2 ** 31 - 1);
      await checkOp({
        label: `embedding ${JSON.stringify(c.idShape)}`,
        inputs: [{ shape: [c.V, c.D], data: randn(rng, c.V * c.D) }],
        shape: [...c.idShape, c.D],
        gpu: (rt, [table]) => K.embedding(rt.tensor(ids, c.idShape, 'i32'), table),
        ref: ([table]) => embeddingRef(ids, table, c.V, c.D),
        refGrad: c.fd ? undefined : (_xs, g) => [embeddingGradRef(ids, g, c.V, c.D)],
      });
    });
  }

  it('rejects bad dtypes and shapes before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const table = K.zeros(rt, [4, 3]);
      expect(() => K.embedding(rt.tensor([0, 1], [2]), table)).toThrow(/embedding: ids must be i32 \(ids \[2\] f32, table \[4, 3\] f32\)/);
      expect(() => K.embedding(rt.tensor([0, 1], [2], 'i32'), K.zeros(rt, [12]))).toThrow(/embedding: table must be an f32 \[V, D\] tensor \(ids \[2\] i32, table \[12\] f32\)/);
    });
  });
});

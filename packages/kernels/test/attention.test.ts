import { afterAll, describe, expect, it } from 'vitest';
import * as K from './with-internals.js';
import { finiteDifferenceGrads, makeRng, randn } from '../src/testing/index.js';
import { checkOp, destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';
import { type AttentionDims, attentionGradRef, attentionRef } from './reference/attention.js';

afterAll(destroyTestRuntime);
const rng = makeRng();

interface Case {
  lead: number[];
  Tq: number;
  Tk: number;
  d: number;
  dv: number;
  causal?: boolean;
  scale?: number;
}
const cases: Case[] = [
  { lead: [1, 1], Tq: 1, Tk: 1, d: 1, dv: 1 },
  { lead: [2, 3], Tq: 5, Tk: 5, d: 4, dv: 4 }, // vec4 path
  { lead: [2, 3], Tq: 5, Tk: 5, d: 4, dv: 8, causal: true },
  { lead: [1, 2], Tq: 7, Tk: 5, d: 3, dv: 6, causal: true }, // more queries than keys
  { lead: [3], Tq: 4, Tk: 9, d: 5, dv: 3, scale: 0.9 }, // rank 3, explicit scale
  { lead: [1, 2], Tq: 50, Tk: 50, d: 12, dv: 12 }, // CLIP ViT-B/32 sequence length
  { lead: [1, 1], Tq: 77, Tk: 77, d: 7, dv: 5, causal: true }, // CLIP text length
  { lead: [1, 1], Tq: 3, Tk: 256, d: 2, dv: 3 }, // longest fused key row
  { lead: [1, 1], Tq: 20, Tk: 300, d: 3, dv: 2, causal: true }, // composed by default
];

const label = (c: Case) => `${JSON.stringify([...c.lead, c.Tq, c.d])} × ${c.Tk} keys, dv ${c.dv}${c.causal ? ', causal' : ''}${c.scale ? `, scale ${c.scale}` : ''}`;

for (const variant of ['fused', 'composed'] as const) {
  describe(`scaledDotProductAttention (${variant})`, () => {
    for (const c of cases) {
      if (variant === 'fused' && c.Tk > K.FUSED_ATTENTION_MAX_KEYS) continue;
      it(label(c), async () => {
        const rt = await testRuntime();
        rt.variants.attention = variant;
        const batch = c.lead.reduce((a, b) => a * b, 1);
        const D: AttentionDims = { batch, Tq: c.Tq, Tk: c.Tk, d: c.d, dv: c.dv, causal: !!c.causal, scale: c.scale ?? 1 / Math.sqrt(c.d) };
        const small = batch * (c.Tq * c.d + c.Tk * (c.d + c.dv)) < 400;
        try {
          await checkOp({
            label: `${variant} ${label(c)}`,
            inputs: [
              { shape: [...c.lead, c.Tq, c.d], data: randn(rng, batch * c.Tq * c.d) },
              { shape: [...c.lead, c.Tk, c.d], data: randn(rng, batch * c.Tk * c.d) },
              { shape: [...c.lead, c.Tk, c.dv], data: randn(rng, batch * c.Tk * c.dv) },
            ],
            shape: [...c.lead, c.Tq, c.dv],
            gpu: (_rt, [q, k, v]) => K.scaledDotProductAttention(q, k, v, { causal: c.causal, scale: c.scale }),
            ref: ([q, k, v]) => attentionRef(q, k, v, D),
            // Finite differences where they are cheap; the analytic float64 backward elsewhere.
            refGrad: small ? undefined : ([q, k, v], g) => attentionGradRef(q, k, v, g, D),
          });
        } finally {
          rt.variants = {};
        }
      });
    }
  });
}

describe('scaledDotProductAttention checks', () => {
  it('the analytic reference gradient agrees with finite differences', () => {
    const D: AttentionDims = { batch: 2, Tq: 4, Tk: 3, d: 3, dv: 2, causal: true, scale: 0.7 };
    const xs = [randn(rng, 24), randn(rng, 18), randn(rng, 12)];
    const g = randn(rng, 16);
    const fd = finiteDifferenceGrads(([q, k, v]) => attentionRef(q, k, v, D), xs, g);
    const an = attentionGradRef(xs[0], xs[1], xs[2], g, D);
    for (let i = 0; i < 3; i++) an[i].forEach((v, j) => expect(v).toBeCloseTo(fd[i]![j], 6));
  });

  it('picks fused for short key rows on GPUs, composed on CPU adapters and for long rows', async () => {
    const rt = await testRuntime();
    expect(K.attentionVariant(rt, 77)).toBe(rt.isSoftware ? 'composed' : 'fused');
    expect(K.attentionVariant(rt, 257)).toBe('composed');
  });

  it('a large score is stable (max-subtracted)', async () => {
    const rt = await testRuntime();
    const out = await rt.tidy(() => {
      const q = rt.tensor([100, 0], [1, 1, 1, 2]);
      const k = rt.tensor([100, 0, -100, 0], [1, 1, 2, 2]);
      const v = rt.tensor([1, 2], [1, 1, 2, 1]);
      return K.scaledDotProductAttention(q, k, v, { scale: 1 });
    }).read();
    expect(Array.from(out)).toEqual([1]);
  });

  it('rejects mismatched shapes and options before dispatching', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const z = (...s: number[]) => K.zeros(rt, s);
      const sdpa = K.scaledDotProductAttention;
      expect(() => sdpa(z(1, 2, 5, 4), z(1, 2, 5, 3), z(1, 2, 5, 4))).toThrow(/scaledDotProductAttention: q and k feature sizes differ \(q \[1, 2, 5, 4\], k \[1, 2, 5, 3\], v \[1, 2, 5, 4\]\)/);
      expect(() => sdpa(z(1, 2, 5, 4), z(1, 2, 6, 4), z(1, 2, 5, 4))).toThrow(/k and v sequence lengths differ/);
      expect(() => sdpa(z(1, 2, 5, 4), z(1, 3, 5, 4), z(1, 3, 5, 4))).toThrow(/leading \(batch, head\) dimensions differ/);
      expect(() => sdpa(z(2, 5, 4), z(1, 2, 5, 4), z(1, 2, 5, 4))).toThrow(/same rank ≥ 2/);
      expect(() => sdpa(z(5, 4), z(5, 4), z(5, 4), { scale: NaN })).toThrow(/scale must be finite, got NaN/);
      rt.variants.attention = 'fused';
      try {
        expect(() => sdpa(z(1, 4), z(300, 4), z(300, 4))).toThrow(/the fused kernel holds at most 256 keys, got 300/);
      } finally {
        rt.variants = {};
      }
    });
  });
});

/**
 * residualAttentionBlock against a float64 reference at awkward shapes (odd sequence lengths, head
 * width not a multiple of 4, batch 1 and 3), QuickGELU and erf GELU, causal or not; the gradient
 * w.r.t. x (what flows back to the pixels) against central finite differences of the reference.
 */
import { backward, createRuntime, type Runtime, type Tensor } from '@stylegpu/kernels';
import { finiteDifferenceGrads, mulberry32, relError, SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipTowerConfig } from '../src/checkpoint/index.js';
import { residualAttentionBlock, type ResidualAttentionBlockWeights } from '../src/model/residual-attention-block.js';
import { residualBlockRef, type BlockParams } from './reference/residual-block.js';

/** mulberry32 centred on zero: uniform in [-0.5, 0.5). */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() - 0.5;
}
/** f32-representable random values, so both sides see the same numbers. */
const rand = (r: () => number, n: number, scale: number, offset = 0) => Float64Array.from(Float32Array.from({ length: n }, () => offset + scale * 2 * r()));

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

const cases = [
  { N: 1, L: 7, d: 12, heads: 3, mlp: 20, causal: false, gelu: false },
  { N: 3, L: 5, d: 10, heads: 2, mlp: 14, causal: true, gelu: false },
  { N: 2, L: 6, d: 12, heads: 4, mlp: 9, causal: true, gelu: true },
  { N: 2, L: 9, d: 8, heads: 1, mlp: 16, causal: false, gelu: true },
];

describe('residualAttentionBlock', () => {
  for (const c of cases) {
    it(`N=${c.N} L=${c.L} d=${c.d} heads=${c.heads} mlp=${c.mlp}${c.causal ? ' causal' : ''} ${c.gelu ? 'gelu' : 'quickGelu'}: forward and dx`, async () => {
      const r = rng(SEED);
      const { N, L, d, heads, mlp } = c;
      const p: BlockParams = {
        ln1w: rand(r, d, 0.3, 1), ln1b: rand(r, d, 0.2),
        inW: rand(r, 3 * d * d, 0.5), inB: rand(r, 3 * d, 0.2),
        outW: rand(r, d * d, 0.4), outB: rand(r, d, 0.2),
        ln2w: rand(r, d, 0.3, 1), ln2b: rand(r, d, 0.2),
        fcW: rand(r, mlp * d, 0.5), fcB: rand(r, mlp, 0.3),
        projW: rand(r, d * mlp, 0.4), projB: rand(r, d, 0.2),
      };
      const x = rand(r, N * L * d, 1);
      const gOut = rand(r, N * L * d, 1);
      const tower: ClipTowerConfig = { width: d, layers: 1, heads, mlpWidth: mlp, activation: c.gelu ? 'gelu' : 'quick_gelu', layerNormEps: 1e-5 };
      const ref = (xs: Float64Array) => residualBlockRef(xs, N, L, d, heads, mlp, p, c.causal, c.gelu);
      const [y, dx] = await rt.tidyAsync(async () => {
        const t = (v: Float64Array, shape: number[]) => rt.tensor(Float32Array.from(v), shape);
        const w: ResidualAttentionBlockWeights = {
          ln1Weight: t(p.ln1w, [d]), ln1Bias: t(p.ln1b, [d]),
          inProjWeight: t(p.inW, [3 * d, d]), inProjBias: t(p.inB, [3 * d]),
          outProjWeight: t(p.outW, [d, d]), outProjBias: t(p.outB, [d]),
          ln2Weight: t(p.ln2w, [d]), ln2Bias: t(p.ln2b, [d]),
          fcWeight: t(p.fcW, [mlp, d]), fcBias: t(p.fcB, [mlp]),
          projWeight: t(p.projW, [d, mlp]), projBias: t(p.projB, [d]),
        };
        const xt = t(x, [N, L, d]);
        xt.requiresGrad = true;
        const out: Tensor = residualAttentionBlock(xt, w, tower, c.causal);
        expect(out.shape).toEqual([N, L, d]);
        backward(out, t(gOut, [N, L, d]));
        return [await out.read(), await xt.grad!.read()];
      });
      const err = relError(y, ref(x));
      expect(err, `forward relative error ${err.toExponential(2)} (seed ${SEED})`).toBeLessThan(2e-5);
      // Central differences of the float64 reference: Σ gOut · ∂y/∂x_j.
      const [fd] = finiteDifferenceGrads(([xs]) => ref(xs), [x], gOut);
      const gerr = relError(dx, fd!);
      expect(gerr, `dx relative error ${gerr.toExponential(2)} (seed ${SEED})`).toBeLessThan(2e-4);
    });
  }
});

/**
 * StyleDomain's losses (indomain, tt_direction, clip_within, clip_ref, l2 reconstruction, offset
 * L1/L2) against float64 hand computations on tiny random embeddings, forward and backward
 * (central differences of the float64 reference); plus the objective registry's refusals.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { checkOp, destroyTestRuntime, testRuntime } from '@stylegpu/kernels/testing/vitest';
import {
  buildObjectives,
  clipRefLoss,
  clipWithinLoss,
  inDomainAngleLoss,
  l2ReconstructionLoss,
  offsetL1Loss,
  offsetL2Loss,
  parseObjectiveList,
  ttDirectionLoss,
} from '../src/index.js';
import { dot, normalize, rows } from './reference/losses.js';

afterAll(destroyTestRuntime);

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => dot(normalize(a), normalize(b));
const subv = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);

describe('StyleDomain losses vs float64', () => {
  const D = 7;
  it('indomain: 2/(B(B−1))·Σ_{i>j}(cos s_i s_j − cos t_i t_j)², B = 3 and 4', async () => {
    for (const B of [3, 4]) {
      const rng = makeRng(11 + B);
      await checkOp({
        label: `indomain B=${B}`,
        inputs: [
          { shape: [B, D], data: randn(rng, B * D) },
          { shape: [B, D], data: randn(rng, B * D) },
        ],
        shape: [],
        gpu: (_rt, [s, t]) => inDomainAngleLoss(s, t),
        ref: ([s, t]) => {
          const S = rows(s, B, D);
          const T = rows(t, B, D);
          let acc = 0;
          for (let i = 0; i < B; i++) for (let j = 0; j < i; j++) acc += (cos(S[i], S[j]) - cos(T[i], T[j])) ** 2;
          return Float64Array.of((acc * 2) / (B * (B - 1)));
        },
      });
    }
  });

  it('tt_direction: mean_{i<j} 1 − cos(t_i − t_j, d_i − d_j) on normalised embeddings', async () => {
    const B = 3;
    const rng = makeRng(21);
    await checkOp({
      label: 'tt_direction',
      inputs: [
        { shape: [B, D], data: randn(rng, B * D) },
        { shape: [B, D], data: randn(rng, B * D), grad: false },
      ],
      shape: [],
      gpu: (_rt, [t, d]) => ttDirectionLoss(t, d),
      ref: ([t, d]) => {
        const T = rows(t, B, D).map(normalize);
        const Dm = rows(d, B, D).map(normalize);
        let acc = 0;
        let n = 0;
        for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++, n++) acc += 1 - cos(subv(T[i], T[j]), subv(Dm[i], Dm[j]));
        return Float64Array.of(acc / n);
      },
    });
  });

  it('clip_within: mean 1 − cos(t̂_b − r̂, ŝ_b − r̂_src)', async () => {
    const B = 3;
    const rng = makeRng(31);
    await checkOp({
      label: 'clip_within',
      inputs: [
        { shape: [B, D], data: randn(rng, B * D) },
        { shape: [1, D], data: randn(rng, D), grad: false },
        { shape: [B, D], data: randn(rng, B * D), grad: false },
        { shape: [1, D], data: randn(rng, D), grad: false },
      ],
      shape: [],
      gpu: (_rt, [t, r, s, rs]) => clipWithinLoss(t, r, s, rs),
      ref: ([t, r, s, rs]) => {
        const T = rows(t, B, D);
        const S = rows(s, B, D);
        let acc = 0;
        for (let b = 0; b < B; b++) acc += 1 - cos(subv(normalize(T[b]), normalize(r)), subv(normalize(S[b]), normalize(rs)));
        return Float64Array.of(acc / B);
      },
    });
  });

  it('clip_ref: mean 1 − cos(E(G_tgt(w_style)), E(style))', async () => {
    const rng = makeRng(41);
    await checkOp({
      label: 'clip_ref',
      inputs: [
        { shape: [2, D], data: randn(rng, 2 * D) },
        { shape: [1, D], data: randn(rng, D) },
      ],
      shape: [],
      gpu: (_rt, [x, r]) => clipRefLoss(x, r),
      ref: ([x, r]) => Float64Array.of((1 - cos(x.subarray(0, D), r) + 1 - cos(x.subarray(D), r)) / 2),
    });
  });

  it('l2 reconstruction: mean of squared differences (reference broadcast over the batch)', async () => {
    const rng = makeRng(51);
    const shape = [2, 3, 3, 5];
    const n = 90;
    await checkOp({
      label: 'l2_rec',
      inputs: [
        { shape, data: randn(rng, n) },
        { shape: [1, 3, 3, 5], data: randn(rng, 45), grad: false },
      ],
      shape: [],
      gpu: (_rt, [a, b]) => l2ReconstructionLoss(a, b),
      ref: ([a, b]) => Float64Array.of(a.reduce((acc, v, i) => acc + (v - b[i % 45]) ** 2, 0) / n),
    });
  });

  it('offset L1 / L2: Σ_layers mean |Δ| and Σ_layers mean Δ²', async () => {
    const rng = makeRng(61);
    const a = randn(rng, 5).map((v) => (Math.abs(v) < 0.05 ? v + 0.2 : v)); // away from |x|'s kink for the differences
    const b = randn(rng, 3).map((v) => (Math.abs(v) < 0.05 ? v + 0.2 : v));
    await checkOp({
      label: 'offsets_l1',
      inputs: [
        { shape: [1, 5], data: a },
        { shape: [1, 3], data: b },
      ],
      shape: [],
      gpu: (_rt, xs) => offsetL1Loss(xs),
      ref: ([x, y]) => Float64Array.of(x.reduce((s, v) => s + Math.abs(v), 0) / 5 + y.reduce((s, v) => s + Math.abs(v), 0) / 3),
    });
    await checkOp({
      label: 'offsets_l2',
      inputs: [
        { shape: [1, 5], data: a },
        { shape: [1, 3], data: b },
      ],
      shape: [],
      gpu: (_rt, xs) => offsetL2Loss(xs),
      ref: ([x, y]) => Float64Array.of(x.reduce((s, v) => s + v * v, 0) / 5 + y.reduce((s, v) => s + v * v, 0) / 3),
    });
  });
});

describe('loss refusals and the registry', () => {
  it('refuses bad shapes, naming the loss and the shapes', async () => {
    const rt = await testRuntime();
    rt.tidy(() => {
      const one = rt.tensor(new Float32Array(4), [1, 4]);
      const two = rt.tensor(new Float32Array(8), [2, 4]);
      expect(() => inDomainAngleLoss(one, one)).toThrow(/inDomainAngleLoss: needs a batch of at least 2.*source \[1, 4\]/);
      expect(() => ttDirectionLoss(two, one)).toThrow(/ttDirectionLoss: needs one domain embedding per sample \[2, 4\]/);
      expect(() => clipWithinLoss(two, two, two, one)).toThrow(/clipWithinLoss: the style embeddings must be \[1, 4\]/);
      expect(() => l2ReconstructionLoss(rt.tensor(new Float32Array(12), [1, 3, 2, 2]), rt.tensor(new Float32Array(27), [1, 3, 3, 3]))).toThrow(
        /l2ReconstructionLoss: the image \[1, 3, 2, 2\] and the reference \[1, 3, 3, 3\]/,
      );
      expect(() => offsetL1Loss([])).toThrow(/no offsets to regularise/);
    });
  });

  it('an unknown loss name is an error naming the known ones (StyleDomain skipped them silently)', () => {
    expect(() => buildObjectives([{ name: 'l2_rec_typo', weight: 1 }])).toThrow(
      "unknown loss 'l2_rec_typo'; known losses: direction, global, indomain, manifold, tt_direction, clip_within, clip_ref, l2_rec, offsets_l1, offsets_l2, latent_l2, embedding_norm",
    );
    expect(() => buildObjectives([{ name: 'toString', weight: 1 }])).toThrow(/unknown loss 'toString'/);
    expect(buildObjectives(parseObjectiveList('direction=1, indomain=0.25')).map((o) => [o.name, o.weight, o.kind])).toEqual([
      ['direction', 1, 'clip'],
      ['indomain', 0.25, 'clip'],
    ]);
    expect(() => parseObjectiveList('direction=abc')).toThrow(/cannot read 'direction=abc'; write name=weight/);
  });
});

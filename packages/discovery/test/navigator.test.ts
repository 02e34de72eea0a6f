/**
 * The navigator's parts against float64 CPU references: the contrastive loss (forward and its
 * gradient by finite differences), directions, layer heat and W+ offsets, the diversity term;
 * save/load; refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, writeSafetensors } from '@stylegpu/io';
import { backward, createRuntime, type Runtime } from '@stylegpu/kernels';
import { contrastiveLoss } from '../src/navigator/contrastive-loss.js';
import { Navigator, initNavigatorWeights, type NavigatorConfig } from '../src/navigator/navigator.js';
import { NavigatorTrainer } from '../src/navigator/navigator-trainer.js';
import { pixelSensor } from '../src/sensors/feature-sensor.js';
import { PlantedGenerator } from '../src/toy/planted-generator.js';
import { SeededRandom } from '../src/linalg/seeded-random.js';

const seed = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 1e6));
let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

type Shape = [number, number, number, number];
const EPS = 1e-8;

/** The loss of the file header, in float64. */
function referenceLoss(q: Float64Array[], pos: Float64Array[], neg: Float64Array[], shapes: Shape[], lp: number, ln: number): number {
  const P = shapes[0][0];
  const mag = (d: Float64Array, [, C, H, W]: Shape) => {
    const m = new Float64Array(P * H * W);
    for (let p = 0; p < P; p++) for (let i = 0; i < H * W; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += d[(p * C + c) * H * W + i] ** 2;
      m[p * H * W + i] = Math.sqrt(s + EPS);
    }
    return m;
  };
  const norm = (ds: Float64Array[]) => {
    const ms = ds.map((d, l) => mag(d, shapes[l]));
    for (let p = 0; p < P; p++) {
      let lo = Infinity;
      let hi = -Infinity;
      ms.forEach((m, l) => {
        const hw = shapes[l][2] * shapes[l][3];
        for (let i = 0; i < hw; i++) {
          lo = Math.min(lo, m[p * hw + i]);
          hi = Math.max(hi, m[p * hw + i]);
        }
      });
      ms.forEach((m, l) => {
        const hw = shapes[l][2] * shapes[l][3];
        for (let i = 0; i < hw; i++) m[p * hw + i] = (m[p * hw + i] - lo) / (hi - lo + EPS);
      });
    }
    return ms;
  };
  const mq = norm(q);
  const mp = norm(pos);
  const mn = norm(neg);
  let posSum = 0;
  let negSum = 0;
  shapes.forEach(([, C, H, W], l) => {
    for (let p = 0; p < P; p++) {
      for (const [other, mo, sign] of [[pos[l], mp[l], 1], [neg[l], mn[l], -1]] as const) {
        let num = 0;
        let den = 0;
        for (let i = 0; i < H * W; i++) {
          let dot = 0;
          let na = 0;
          let nb = 0;
          for (let c = 0; c < C; c++) {
            const a = q[l][(p * C + c) * H * W + i];
            const b = other[(p * C + c) * H * W + i];
            dot += a * b;
            na += a * a;
            nb += b * b;
          }
          const c2 = (dot * dot) / ((na + EPS) * (nb + EPS));
          const w = mq[l][p * H * W + i] * mo[p * H * W + i];
          num += c2 * w;
          den += w;
        }
        if (sign > 0) posSum += num / (den + EPS);
        else negSum += num / (den + EPS);
      }
    }
  });
  return lp * (-posSum / P) + ln * (negSum / P);
}

describe(`contrastive loss (seed ${seed})`, () => {
  const shapes: Shape[] = [[3, 5, 3, 4], [3, 2, 2, 2]];
  const rng = new SeededRandom(seed);
  const make = () => shapes.map((s) => Float64Array.from({ length: s.reduce((a, b) => a * b) }, () => rng.normal()));
  const q = make();
  const pos = make();
  const neg = make();
  // Some pixels do not change at all (as outside the toy's blobs): the masks' minimum is exactly there.
  for (const d of [q[0], neg[0]]) for (let c = 0; c < 5; c++) d[c * 12 + 5] = 0;

  it('matches the float64 reference', async () => {
    const up = (xs: Float64Array[]) => xs.map((x, l) => rt.tensor(Float32Array.from(x), shapes[l]));
    const res = contrastiveLoss({ q: up(q), pos: up(pos), neg: up(neg) }, { pos: 0.7, neg: 1.3 });
    const got = (await res.loss.read())[0];
    const want = referenceLoss(q, pos, neg, shapes, 0.7, 1.3);
    expect(Math.abs(got - want)).toBeLessThan(2e-5 * Math.max(1, Math.abs(want)));
    expect((await res.pos.read())[0]).toBeCloseTo(referenceLoss(q, pos, neg, shapes, 1, 0), 4);
    expect((await res.neg.read())[0]).toBeCloseTo(referenceLoss(q, pos, neg, shapes, 0, 1), 4);
  });

  it('its gradient in D_q matches central differences of the reference (including unchanged pixels)', async () => {
    const tq = q.map((x, l) => {
      const t = rt.tensor(Float32Array.from(x), shapes[l]);
      t.requiresGrad = true;
      return t;
    });
    const up = (xs: Float64Array[]) => xs.map((x, l) => rt.tensor(Float32Array.from(x), shapes[l]));
    backward(contrastiveLoss({ q: tq, pos: up(pos), neg: up(neg) }, { pos: 1, neg: 1 }).loss);
    const grads = await Promise.all(tq.map((t) => t.grad!.read()));
    const h = 1e-5;
    let worst = 0;
    let scale = 0;
    for (const [l, i] of [[0, 0], [0, 5], [0, 17], [0, 41], [0, 59], [1, 3], [1, 20]] as const) {
      const plus = q.map((x) => x.slice());
      const minus = q.map((x) => x.slice());
      plus[l][i] += h;
      minus[l][i] -= h;
      const fd = (referenceLoss(plus, pos, neg, shapes, 1, 1) - referenceLoss(minus, pos, neg, shapes, 1, 1)) / (2 * h);
      worst = Math.max(worst, Math.abs(grads[l][i] - fd));
      scale = Math.max(scale, Math.abs(fd));
      expect(Number.isFinite(grads[l][i])).toBe(true);
    }
    expect(worst).toBeLessThan(2e-3 * Math.max(scale, 1e-2));
  });

  it('refuses mismatched layer lists', () => {
    const t = rt.tensor(new Float32Array(8), [1, 2, 2, 2]);
    expect(() => contrastiveLoss({ q: [t], pos: [t, t], neg: [t] }, { pos: 1, neg: 1 })).toThrow(/1\/2\/1 feature layers for q\/pos\/neg/);
  });
});

describe(`Navigator (seed ${seed})`, () => {
  const cfg = (over: Partial<NavigatorConfig> = {}): NavigatorConfig => ({ wDim: 5, numWs: 3, directions: 4, type: 'fixed', heat: 'global', ...over });

  it("'fixed' + global heat: δ = v/‖v‖, a = softmax(logits), offsets a ⊗ δ (CPU reference)", async () => {
    const rng = new SeededRandom(seed + 1);
    const host = initNavigatorWeights(cfg(), 1);
    const v = rng.normals(20, 2);
    const logits = rng.normals(12, 1);
    host.set('directions', hostTensor('f32', [4, 5], v));
    host.set('heat.logits', hostTensor('f32', [4, 3], logits));
    const nav = Navigator.fromWeights(rt, cfg(), host);
    try {
      const w = rt.tensor(rng.normals(10), [2, 5]);
      const off = await rt.tidy(() => nav.offset(w, 2)).read();
      const n = Math.hypot(...v.subarray(10, 15));
      const ex = [0, 1, 2].map((l) => Math.exp(logits[6 + l]));
      const z = ex.reduce((a, b) => a + b);
      for (let s = 0; s < 2; s++) for (let l = 0; l < 3; l++) for (let i = 0; i < 5; i++) {
        expect(off[(s * 3 + l) * 5 + i]).toBeCloseTo((ex[l] / z) * (v[10 + i] / n), 5);
      }
      const set = await nav.toDirectionSet();
      expect(set.layerWeights[6]).toBeCloseTo(ex[0] / z, 6);
      expect(Math.hypot(...set.vectors.subarray(10, 15))).toBeCloseTo(1, 12);
      // Diversity: Σ_{i≠j} cos² of the normalised rows.
      let div = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
        if (i === j) continue;
        let dot = 0;
        for (let k = 0; k < 5; k++) dot += v[i * 5 + k] * v[j * 5 + k];
        div += (dot / (Math.hypot(...v.subarray(i * 5, i * 5 + 5)) * Math.hypot(...v.subarray(j * 5, j * 5 + 5)))) ** 2;
      }
      expect((await rt.tidy(() => nav.diversity(w)).read())[0]).toBeCloseTo(div, 4);
      expect(() => nav.offset(w, 4)).toThrow(/direction 4 is not in 0..3/);
    } finally {
      nav.dispose();
    }
  });

  it("'ada' + local heat: unit directions that vary with w, heat rows summing to 1; no heat = ones", async () => {
    const nav = Navigator.create(rt, cfg({ type: 'ada', heat: 'local', adaHidden: 7, adaLayers: 3 }), seed % 1000);
    const plain = Navigator.create(rt, cfg({ heat: 'none' }), 2);
    try {
      const rng = new SeededRandom(seed + 2);
      const w = rt.tensor(rng.normals(15), [3, 5]);
      const d = await rt.tidy(() => nav.directionsAt(w)).read();
      for (let r = 0; r < 12; r++) expect(Math.hypot(...d.subarray(r * 5, r * 5 + 5))).toBeCloseTo(1, 5);
      expect(Math.abs(d[0] - d[20])).toBeGreaterThan(1e-4); // sample 0 vs sample 1, direction 0
      const heat = await rt.tidy(() => nav.heatAt(w)).read();
      for (let r = 0; r < 12; r++) expect(heat[r * 3] + heat[r * 3 + 1] + heat[r * 3 + 2]).toBeCloseTo(1, 5);
      expect([...(await rt.tidy(() => plain.heatAt(w)).read())].every((x) => x === 1)).toBe(true);
      await expect(nav.toDirectionSet()).rejects.toThrow(/an 'ada' navigator's directions depend on w/);
      expect(() => nav.directionsAt(rt.tensor(new Float32Array(4), [1, 4]))).toThrow(/w must be \[P, 5\], got \[1, 4\]/);
    } finally {
      nav.dispose();
      plain.dispose();
    }
  });

  it('save/load round trip keeps weights, config and step scales', async () => {
    for (const c of [cfg(), cfg({ type: 'ada', heat: 'local' })]) {
      const nav = Navigator.create(rt, c, 9);
      nav.stepScales = [1, 2, 3, 4];
      const back = Navigator.load(rt, await nav.save());
      try {
        expect(back.config).toEqual(nav.config);
        expect(back.stepScales).toEqual([1, 2, 3, 4]);
        const w = rt.tensor(new SeededRandom(3).normals(10), [2, 5]);
        expect([...(await rt.tidy(() => back.offset(w, 1)).read())]).toEqual([...(await rt.tidy(() => nav.offset(w, 1)).read())]);
      } finally {
        nav.dispose();
        back.dispose();
      }
    }
  });

  it('refuses bad configs, weights and files clearly', () => {
    expect(() => Navigator.create(rt, cfg({ directions: 1 }))).toThrow(/directions \(K\) must be an integer ≥ 2, got 1/);
    expect(() => Navigator.create(rt, cfg({ type: 'bent' as 'fixed' }))).toThrow(/type must be 'fixed' or 'ada', got 'bent'/);
    expect(() => Navigator.create(rt, cfg({ heat: 'warm' as 'none' }))).toThrow(/heat must be 'none', 'global' or 'local', got 'warm'/);
    const host = initNavigatorWeights(cfg(), 0);
    host.delete('heat.logits');
    expect(() => Navigator.fromWeights(rt, cfg(), host)).toThrow(/missing weight 'heat.logits' \[4, 3\]/);
    host.set('heat.logits', hostTensor('f32', [3, 4], new Float32Array(12)));
    expect(() => Navigator.fromWeights(rt, cfg(), host)).toThrow(/'heat.logits' has shape \[3, 4\], expected \[4, 3\]/);
    expect(() => Navigator.load(rt, new Uint8Array([1, 2, 3]), 'dirs.safetensors')).toThrow(/dirs.safetensors is not a safetensors file/);
    const other = writeSafetensors(new Map([['x', hostTensor('f32', [1], new Float32Array(1))]]), { format: 'something-else' });
    expect(() => Navigator.load(rt, other, 'x.safetensors')).toThrow(/x.safetensors has format 'something-else', expected 'stylegpu-navigator'/);
  });

  it('the trainer refuses a navigator for another generator and bad options', async () => {
    const toy = new PlantedGenerator(rt, { wDim: 4, numWs: 2, factors: 2 });
    const nav = Navigator.create(rt, cfg(), 0);
    const ok = Navigator.create(rt, cfg({ wDim: 4, numWs: 2 }), 0);
    try {
      await expect(NavigatorTrainer.create(toy, nav, pixelSensor())).rejects.toThrow(/navigator is for w_dim 5 × 3 ws, the generator has 4 × 2/);
      await expect(NavigatorTrainer.create(toy, ok, pixelSensor(), { pairs: 0 })).rejects.toThrow(/pairs must be a positive integer, got 0/);
      await expect(NavigatorTrainer.create(toy, ok, pixelSensor(), { negLambda: -1 })).rejects.toThrow(/negLambda must be ≥ 0/);
      await expect(NavigatorTrainer.create(toy, ok, pixelSensor(), { variant: 'triplet' as 'binary' })).rejects.toThrow(/variant must be 'binary' or 'prototype'/);
      const tr = await NavigatorTrainer.create(toy, ok, { name: 'empty', features: () => [] });
      await expect(tr.step()).rejects.toThrow(/sensor 'empty' returned no feature maps/);
      tr.dispose();
    } finally {
      toy.dispose();
      nav.dispose();
      ok.dispose();
    }
  });
});

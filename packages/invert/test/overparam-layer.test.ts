/**
 * The overparameterised (per-output-channel) and spatially varying modulated convolutions: forward against
 * float64 references at awkward shapes, backward (x, weight, styles) against central finite differences of
 * those references, and the reduction to StyleGAN2's `modulatedConv2d` when the styles do not vary.
 */
import { makeRng, randn, relError, SEED } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, type Tensor, backward, createRuntime, modulatedConv2d, mul, setupFilter, sum } from '@stylegpu/kernels';
import { overparamModulatedConv2d } from '../src/overparam/overparam-modulated-conv2d.js';
import { spatialModulatedConv2d } from '../src/overparam/spatial-modulated-conv2d.js';
import { type ConvCase, overparamConvRef, spatialConvRef } from './reference/overparam-conv.js';

/** relError's scale: max |reference|, but never less than 1e-6. */
const SCALE_FLOOR = 1e-6;

const FORWARD_TOL = 2e-5;
const BACKWARD_TOL = 2e-4;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

const CASES: ConvCase[] = [
  { N: 2, I: 5, O: 3, H: 7, k: 3, up: 1, demodulate: true },
  { N: 3, I: 3, O: 5, H: 5, k: 3, up: 2, demodulate: true },
  { N: 2, I: 6, O: 3, H: 6, k: 1, up: 1, demodulate: false },
];

type Which = 'overparam' | 'spatial';

function inputs(c: ConvCase, which: Which, seed: number) {
  const rng = makeRng(seed);
  const x = randn(rng, c.N * c.I * c.H * c.H);
  const weight = randn(rng, c.O * c.I * c.k * c.k);
  // Styles around 1, as StyleGAN's affine biases put them.
  const styles = which === 'overparam' ? randn(rng, c.N * c.O * c.I, 0.5).map((v) => v + 1) : randn(rng, c.N * c.I * c.H * c.H, 0.5).map((v) => v + 1);
  return { x, weight, styles };
}

function gpuOp(which: Which, c: ConvCase) {
  return (x: Tensor, w: Tensor, s: Tensor) =>
    which === 'overparam'
      ? overparamModulatedConv2d(x, w, s, { up: c.up, demodulate: c.demodulate, padding: Math.floor(c.k / 2) })
      : spatialModulatedConv2d(x, w, s, { up: c.up, demodulate: c.demodulate, padding: Math.floor(c.k / 2) });
}

const refOp = (which: Which) => (which === 'overparam' ? overparamConvRef : spatialConvRef);

function styleShape(c: ConvCase, which: Which): number[] {
  return which === 'overparam' ? [c.N, c.O, c.I] : [c.N, c.I, c.H, c.H];
}

for (const which of ['overparam', 'spatial'] as const) {
  describe(`${which}ModulatedConv2d (seed ${SEED})`, () => {
    for (const [ci, c] of CASES.entries()) {
      if (c.up === 2 && c.k !== 3) continue;
      const label = `N${c.N} I${c.I} O${c.O} ${c.H}×${c.H} k${c.k} up${c.up}${c.demodulate ? ' demod' : ''}`;

      it(`forward matches float64 (${label})`, async () => {
        const { x, weight, styles } = inputs(c, which, SEED + ci);
        const ref = refOp(which)(x, weight, styles, c);
        const out = rt.tidy(() =>
          gpuOp(which, c)(rt.tensor(Float32Array.from(x), [c.N, c.I, c.H, c.H]), rt.tensor(Float32Array.from(weight), [c.O, c.I, c.k, c.k]), rt.tensor(Float32Array.from(styles), styleShape(c, which))),
        );
        const got = await out.read();
        out.dispose();
        expect(got.length).toBe(ref.length);
        expect(relError(got, ref, SCALE_FLOOR), `seed ${SEED}`).toBeLessThan(FORWARD_TOL);
      });

      it(`backward matches finite differences (${label})`, async () => {
        const { x, weight, styles } = inputs(c, which, SEED + 100 + ci);
        const R = c.up === 2 ? 2 * c.H : c.H;
        const g = randn(makeRng(SEED + 200 + ci), c.N * c.O * R * R);
        const loss = (xx: Float64Array, ww: Float64Array, ss: Float64Array) => {
          const y = refOp(which)(xx, ww, ss, c);
          let acc = 0;
          for (let i = 0; i < y.length; i++) acc += y[i] * g[i];
          return acc;
        };
        const xs = rt.tensor(Float32Array.from(x), [c.N, c.I, c.H, c.H]);
        const ws = rt.tensor(Float32Array.from(weight), [c.O, c.I, c.k, c.k]);
        const ss = rt.tensor(Float32Array.from(styles), styleShape(c, which));
        for (const t of [xs, ws, ss]) t.requiresGrad = true;
        rt.tidy(() => backward(sum(mul(gpuOp(which, c)(xs, ws, ss), rt.tensor(Float32Array.from(g), [c.N, c.O, R, R])))));
        const grads = [await xs.grad!.read(), await ws.grad!.read(), await ss.grad!.read()];
        const arrays = [x, weight, styles];
        const names = ['x', 'weight', 'styles'];
        for (let a = 0; a < 3; a++) {
          const fd = new Float64Array(arrays[a].length);
          for (let i = 0; i < fd.length; i++) {
            const h = 1e-5 * Math.max(1, Math.abs(arrays[a][i]));
            const plus = arrays.map((v) => Float64Array.from(v));
            const minus = arrays.map((v) => Float64Array.from(v));
            plus[a][i] += h;
            minus[a][i] -= h;
            fd[i] = (loss(plus[0], plus[1], plus[2]) - loss(minus[0], minus[1], minus[2])) / (2 * h);
          }
          expect(relError(grads[a], fd, SCALE_FLOOR), `d loss / d ${names[a]} (seed ${SEED})`).toBeLessThan(BACKWARD_TOL);
        }
        for (const t of [xs, ws, ss]) t.dispose();
      });
    }

    it('equals modulatedConv2d when the styles do not vary (up 1 and up 2)', async () => {
      for (const up of [1, 2] as const) {
        const c: ConvCase = { N: 2, I: 4, O: 6, H: 5, k: 3, up, demodulate: true };
        const rng = makeRng(SEED + 300 + up);
        const x = Float32Array.from(randn(rng, c.N * c.I * c.H * c.H));
        const weight = Float32Array.from(randn(rng, c.O * c.I * 9));
        const s = Float32Array.from(randn(rng, c.N * c.I, 0.5).map((v) => v + 1));
        const [a, b] = rt.tidy(() => {
          const xt = rt.tensor(x, [c.N, c.I, c.H, c.H]);
          const wt = rt.tensor(weight, [c.O, c.I, 3, 3]);
          const st = rt.tensor(s, [c.N, c.I]);
          const std = modulatedConv2d(xt, wt, st, { up, padding: 1, resampleFilter: setupFilter([1, 3, 3, 1]), flipWeight: up === 1 });
          let expanded;
          if (which === 'overparam') {
            const rows = new Float32Array(c.N * c.O * c.I);
            for (let n = 0; n < c.N; n++) for (let o = 0; o < c.O; o++) rows.set(s.subarray(n * c.I, (n + 1) * c.I), (n * c.O + o) * c.I);
            expanded = overparamModulatedConv2d(xt, wt, rt.tensor(rows, [c.N, c.O, c.I]), { up, padding: 1 });
          } else {
            const map = new Float32Array(c.N * c.I * c.H * c.H);
            for (let q = 0; q < map.length; q++) map[q] = s[Math.floor(q / (c.H * c.H))];
            expanded = spatialModulatedConv2d(xt, wt, rt.tensor(map, [c.N, c.I, c.H, c.H]), { up, padding: 1 });
          }
          return [std, expanded];
        });
        const ref = await a.read();
        expect(relError(await b.read(), ref, SCALE_FLOOR), `up ${up}`).toBeLessThan(FORWARD_TOL);
        a.dispose();
        b.dispose();
      }
    });

    it('refuses styles of the wrong shape, naming the shapes', () => {
      const x = rt.tensor(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4]);
      const w = rt.tensor(new Float32Array(5 * 3 * 9), [5, 3, 3, 3]);
      const s = rt.tensor(new Float32Array(2 * 3), [2, 3]);
      const f = which === 'overparam' ? overparamModulatedConv2d : spatialModulatedConv2d;
      expect(() => f(x, w, s)).toThrow(/styles|styleMap/);
      expect(() => f(x, w, s)).toThrow(/\[2, 3\]/);
      for (const t of [x, w, s]) t.dispose();
    });
  });
}

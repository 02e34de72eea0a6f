/**
 * The one helper every op test uses: fresh random inputs → GPU forward vs a float64 CPU reference,
 * GPU backward vs central finite differences of that reference. Tolerances live here, in one table.
 *
 * Inputs are random on every run; the seed is printed in every failure message and can be fixed
 * with STYLEGPU_TEST_SEED to reproduce one.
 */
import { expect } from 'vitest';
import { backward, createRuntime, type Runtime, type Tensor } from '../src/index.node.js';

/**
 * Errors are measured as max |gpu − ref| / max(|ref|∞, 1e-3·…): relative to the output's scale,
 * so a near-zero element cannot blow the ratio up.
 */
export const TOLERANCE = {
  /** f32 forward vs f64 reference: ~1e-7 per rounding, accumulated over long sums. */
  forward: 2e-5,
  /** f32 backward vs finite differences of the f64 reference (h = 1e-5 · scale). */
  backward: 2e-4,
} as const;

export const SEED = Number(process.env.STYLEGPU_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: small, fast, good enough for test data. */
export function makeRng(seed = SEED): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(rng: () => number, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - rng();
    const v = rng();
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

export function uniform(rng: () => number, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

let shared: Runtime | null = null;
/** One runtime per test file (creating devices is slow on lavapipe). */
export async function testRuntime(): Promise<Runtime> {
  shared ??= await createRuntime();
  return shared;
}
export function destroyTestRuntime(): void {
  shared?.destroy();
  shared = null;
}

export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return err / Math.max(scale, 1e-30);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const e = relError(actual, expected);
  expect(e, `${label}: relative error ${e.toExponential(2)} over ${tol} (seed ${SEED})`).toBeLessThanOrEqual(tol);
}

/** Σ_i gOut_i · ∂f_i/∂x_j by central differences of a float64 function, for each input j. */
export function finiteDifferenceGrads(
  f: (xs: Float64Array[]) => Float64Array,
  xs: Float64Array[],
  gOut: Float64Array,
  which: boolean[] = xs.map(() => true),
  relStep = 1e-5,
): Array<Float64Array | null> {
  return xs.map((x, k) => {
    if (!which[k]) return null;
    const g = new Float64Array(x.length);
    let scale = 0;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    const h = relStep * Math.max(scale, 1e-3);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j];
      x[j] = keep + h;
      const fp = f(xs);
      x[j] = keep - h;
      const fm = f(xs);
      x[j] = keep;
      let s = 0;
      for (let i = 0; i < gOut.length; i++) s += gOut[i] * (fp[i] - fm[i]);
      g[j] = s / (2 * h);
    }
    return g;
  });
}

export interface OpCase {
  label: string;
  /** Input values (float64, rounded to f32 before both sides see them). */
  inputs: Array<{ shape: number[]; data: Float64Array; grad?: boolean }>;
  gpu: (rt: Runtime, xs: Tensor[]) => Tensor;
  ref: (xs: Float64Array[]) => Float64Array;
  /** Expected output shape. */
  shape: number[];
  forwardTol?: number;
  backwardTol?: number;
  /**
   * Analytic float64 gradients (Σ gOut·∂f/∂x per input), used instead of finite differences where
   * those cost O(size²) reference evaluations (big matmuls, convolutions).
   */
  refGrad?: (xs: Float64Array[], gOut: Float64Array) => Array<Float64Array | null>;
  /** Skip the backward check (non-differentiable ops). */
  noBackward?: boolean;
}

/** Forward against the reference, then backward against finite differences. */
export async function checkOp(c: OpCase): Promise<void> {
  const rt = await testRuntime();
  // Both sides see the same f32-representable inputs.
  const xs64 = c.inputs.map((i) => Float64Array.from(Float32Array.from(i.data)));
  await rt.tidyAsync(async () => {
    const xs = c.inputs.map((inp, k) => {
      const t = rt.tensor(Float32Array.from(xs64[k]), inp.shape);
      t.requiresGrad = !c.noBackward && inp.grad !== false;
      return t;
    });
    const out = c.gpu(rt, xs);
    expect(out.shape, `${c.label}: output shape`).toEqual(c.shape);
    const expected = c.ref(xs64);
    expectClose(await out.read(), expected, c.forwardTol ?? TOLERANCE.forward, `${c.label} forward`);
    if (c.noBackward) return;

    const gOut64 = Float64Array.from(Float32Array.from(randn(makeRng(SEED + 7), out.size)));
    backward(out, rt.tensor(Float32Array.from(gOut64), out.shape));
    const which = c.inputs.map((i) => i.grad !== false);
    const fd = c.refGrad ? c.refGrad(xs64, gOut64) : finiteDifferenceGrads(c.ref, xs64, gOut64, which);
    for (let k = 0; k < xs.length; k++) {
      if (!fd[k]) continue;
      expect(xs[k].grad, `${c.label}: input ${k} got no gradient`).not.toBeNull();
      expectClose(await xs[k].grad!.read(), fd[k]!, c.backwardTol ?? TOLERANCE.backward, `${c.label} grad of input ${k}`);
      xs[k].grad!.dispose();
    }
  });
}

/**
 * Runs `body` with `rt.variants[op] = variant`. A `shuffle` variant needs 8-lane subgroups: on a
 * device without them, forcing it must instead fail by name (checked with `probe`).
 */
export async function withVariant(op: string, variant: string, probe: (rt: Runtime) => unknown, body: () => Promise<void>): Promise<void> {
  const rt = await testRuntime();
  rt.variants[op] = variant;
  try {
    if (variant === 'shuffle' && rt.subgroupMinSize < 8) {
      expect(() => rt.tidy(() => probe(rt))).toThrow(new RegExp(`${op}: the 'shuffle' variant needs subgroups`));
      return;
    }
    await body();
  } finally {
    rt.variants = {};
  }
}

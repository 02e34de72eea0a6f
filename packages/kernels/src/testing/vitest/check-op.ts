/**
 * The one helper every op test uses: fresh random inputs → GPU forward vs a float64 CPU reference,
 * GPU backward vs central finite differences of that reference (or its analytic gradient).
 * Tolerances come from TOLERANCE unless a case sets its own.
 */
import { backward, type Runtime, type Tensor } from '../../index.node.js';
import { expect } from 'vitest';
import { finiteDifferenceGrads } from '../finite-differences.js';
import { TOLERANCE } from '../relative-error.js';
import { makeRng, randn, SEED } from '../seeded-random.js';
import { expectClose } from './expect-close.js';
import { testRuntime } from './test-runtime.js';

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

/** Forward against the reference, then backward against finite differences, on the file's test runtime. */
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

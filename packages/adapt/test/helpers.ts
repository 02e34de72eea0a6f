/**
 * checkOp for @stylegpu/adapt: the same procedure and tolerance table as the kernels' check-op
 * (forward vs a float64 reference, backward vs central finite differences or an analytic float64
 * gradient), run on the built `@stylegpu/kernels` that the adapt sources import, so tensors and
 * autograd are the same module instance as the functions under test.
 */
import { backward, createRuntime, type Runtime, type Tensor } from '@stylegpu/kernels';
import { expect } from 'vitest';
import { SEED, TOLERANCE, expectClose, finiteDifferenceGrads, makeRng, randn } from '../../kernels/test/check-op.js';

export { SEED, TOLERANCE, expectClose, makeRng, randn };

let shared: Runtime | null = null;
export async function testRuntime(): Promise<Runtime> {
  shared ??= await createRuntime();
  return shared;
}
export function destroyTestRuntime(): void {
  shared?.destroy();
  shared = null;
}

export interface Case {
  label: string;
  inputs: Array<{ shape: number[]; data: Float64Array; grad?: boolean }>;
  gpu: (rt: Runtime, xs: Tensor[]) => Tensor;
  ref: (xs: Float64Array[]) => Float64Array;
  shape: number[];
  refGrad?: (xs: Float64Array[], gOut: Float64Array) => Array<Float64Array | null>;
  noBackward?: boolean;
}

export async function checkCase(c: Case): Promise<void> {
  const rt = await testRuntime();
  const xs64 = c.inputs.map((i) => Float64Array.from(Float32Array.from(i.data)));
  await rt.tidyAsync(async () => {
    const xs = c.inputs.map((inp, k) => {
      const t = rt.tensor(Float32Array.from(xs64[k]), inp.shape);
      t.requiresGrad = !c.noBackward && inp.grad !== false;
      return t;
    });
    const out = c.gpu(rt, xs);
    expect(out.shape, `${c.label}: output shape`).toEqual(c.shape);
    expectClose(await out.read(), c.ref(xs64), TOLERANCE.forward, `${c.label} forward`);
    if (c.noBackward) return;
    const gOut64 = Float64Array.from(Float32Array.from(randn(makeRng(SEED + 7), out.size)));
    backward(out, rt.tensor(Float32Array.from(gOut64), out.shape));
    const which = c.inputs.map((i) => i.grad !== false);
    const fd = c.refGrad ? c.refGrad(xs64, gOut64) : finiteDifferenceGrads(c.ref, xs64, gOut64, which);
    for (let k = 0; k < xs.length; k++) {
      if (!fd[k]) continue;
      expect(xs[k].grad, `${c.label}: input ${k} got no gradient`).not.toBeNull();
      expectClose(await xs[k].grad!.read(), fd[k]!, TOLERANCE.backward, `${c.label} grad of input ${k}`);
      xs[k].grad!.dispose();
    }
  });
}

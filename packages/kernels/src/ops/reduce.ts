/**
 * Reductions over axes: `mean` and `max` (`sum`, and `sumTo`, the adjoint of broadcasting, are in
 * broadcast.ts with `expand`; the kernels are in reduce-kernels.ts).
 */
import { attach } from '../grad-node.js';
import type { Tensor } from '../tensor.js';
import { sum } from './broadcast.js';
import { binaryRaw, div, mul, mulScalar } from './elementwise.js';
import { normAxes, reduceRaw } from './reduce-kernels.js';
import { reshape } from './shape.js';

/** Mean over `axes` (all by default). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('mean', x, axes);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return mulScalar(sum(x, ax, keepDims), 1 / count);
}

/** Maximum over `axes`; the gradient is split evenly between tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('max', x, axes);
  const out = x.rt.noGrad(() => reduceRaw('max', x, ax, keepDims));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return attach(
    out,
    'max',
    [x],
    (g) => {
      // The mask and the tie count are constant almost everywhere: no gradient of their own.
      const mask = binaryRaw('equal', x, reshape(out, kept));
      const count = reduceRaw('sum', mask, ax, true);
      return [mul(mask, div(reshape(g, kept), count))];
    },
    { higherOrder: true },
  );
}

/**
 * Broadcasting and its adjoint: `expand` materialises a broadcast, `sum` and `sumTo` undo one.
 * Each is the other's backward, so they share a module (in shape.ts and reduce.ts, the two
 * imported each other). Every op that broadcasts its inputs sums its gradients back with `sumTo`,
 * so this sits below elementwise.ts, and reduce.ts's `mean` and `max`, which use elementwise ops,
 * above it: no import cycle.
 */
import { attach } from '../grad-node.js';
import { type Tensor, formatShape } from '../tensor.js';
import { normAxes, reduceRaw } from './reduce-kernels.js';
import { contiguousStrides, reshape, stridedGather } from './shape.js';

/** Broadcasts to `shape` (NumPy rules), materialised. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('expand');
  const r = shape.length;
  if (x.rank > r) throw new Error(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  const strides = new Array<number>(r).fill(0);
  const cs = contiguousStrides(x.shape);
  for (let i = 0; i < x.rank; i++) {
    const o = r - x.rank + i;
    if (x.shape[i] !== shape[o] && x.shape[i] !== 1) throw new Error(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
    strides[o] = x.shape[i] === 1 ? 0 : cs[i];
  }
  const out = stridedGather(x, shape, strides, 0, 'expand');
  return attach(out, 'expand', [x], (g) => [sumTo(g, x.shape)], { higherOrder: true });
}

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('sum', x, axes);
  const out = x.rt.noGrad(() => reduceRaw('sum', x, ax, keepDims));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return attach(out, 'sum', [x], (g) => [expand(reshape(g, kept), x.shape)], { higherOrder: true });
}

/** Sums a broadcast result back to `shape` (the gradient of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new Error(`sumTo: cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) throw new Error(`sumTo: cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  }
  return reshape(sum(g, axes), shape);
}

/**
 * Reverse-mode autodiff. Each op that gets an input requiring grad attaches a GradNode to its
 * output: the inputs and a function from the output's gradient to the inputs' gradients.
 * `backward(loss)` walks the graph in reverse topological order, accumulating.
 *
 * Gradients are first-order: backward functions run without recording. Leaf gradients land in
 * `leaf.grad` (kept past scopes, accumulated over calls until `zeroGrad`); intermediate ones are
 * disposed as soon as they have been consumed, so peak memory stays close to the forward's.
 */
import { Tensor, formatShape } from './tensor.js';
// A cycle (ops attach to autograd; autograd accumulates with ops), harmless: both sides only
// use the other at call time, never while modules load.
import { onesLike } from './ops/creation.js';
import { binaryRaw } from './ops/elementwise.js';

const add = (a: Tensor, b: Tensor): Tensor => binaryRaw('add', a, b);

export type GradFn = (grad: Tensor) => ReadonlyArray<Tensor | null | undefined>;

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: GradFn;
}

/**
 * Called by every differentiable op after it computed `out`: records how to get the inputs'
 * gradients, if any input needs one and recording is on. Returns `out`.
 */
export function attach(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradFn): Tensor {
  if (!out.rt.gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.gradFn = { op, inputs, backward };
  return out;
}

/**
 * Backpropagates from `root` (a one-element tensor, or any tensor with an explicit `grad` of its
 * shape). Only tensors with `requiresGrad` receive gradients; frozen parameters are skipped.
 */
export function backward(root: Tensor, grad?: Tensor): void {
  const rt = root.rt;
  root.assertLive('backward');
  if (grad) {
    grad.assertLive('backward');
    if (grad.rt !== rt) throw new Error(`backward: the gradient ${grad} belongs to a different runtime than ${root}`);
  }
  if (!root.requiresGrad) {
    throw new Error(`backward: ${root} does not require grad (no parameter it depends on requires grad, or it was made under noGrad)`);
  }
  if (!grad && root.size !== 1) {
    throw new Error(`backward: root has shape ${formatShape(root.shape)}; pass a gradient of that shape or reduce it to a scalar`);
  }
  if (grad && grad.size !== root.size) {
    throw new Error(`backward: gradient shape ${formatShape(grad.shape)} does not match root ${formatShape(root.shape)}`);
  }

  // Reverse topological order by iterative DFS (graphs can be deep: a ViT-L has ~1000 nodes).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) {
        // A disposed input has lost its own graph (and maybe its data): its gradient would go nowhere.
        if (c.isDisposed) {
          throw new Error(
            `backward: input ${i} of ${t.gradFn!.op}, Tensor#${c.id} ${formatShape(c.shape)}, was disposed before backward ` +
              '(was it made in a tidy scope that has closed? run backward inside the scope, or keep the tensor)',
          );
        }
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }

  rt.noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, grad ? view(grad) : onesLike(root));
    for (let n = order.length - 1; n >= 0; n--) {
      const t = order[n];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.gradFn) {
        // A leaf: accumulate into .grad, which outlives every scope.
        if (t.grad) {
          const sum = add(t.grad, g);
          t.grad.dispose();
          g.dispose();
          t.grad = rt.keep(sum);
        } else {
          t.grad = rt.keep(g);
        }
        continue;
      }
      const { inputs, backward: fn, op } = t.gradFn;
      // Its own scope, so temporaries of the backward (products before a sumTo, reduction partials)
      // are freed now rather than when the caller's scope closes.
      const gs = rt.tidy(() => fn(g));
      if (gs.length !== inputs.length) throw new Error(`backward of ${op}: returned ${gs.length} gradients for ${inputs.length} inputs`);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        let gi = gs[i];
        if (!gi || !x.requiresGrad) continue;
        if (gi.size !== x.size) {
          throw new Error(`backward of ${op}: gradient ${formatShape(gi.shape)} for input ${i} of shape ${formatShape(x.shape)}`);
        }
        // A backward may hand back `g` itself (or one tensor for two inputs): give each its own handle.
        gi = view(gi, x.shape);
        const prev = grads.get(x);
        if (prev) {
          grads.set(x, add(prev, gi));
          prev.dispose();
          gi.dispose();
        } else grads.set(x, gi);
      }
      for (const gi of gs) if (gi && gi !== g) gi.dispose();
      g.dispose();
    }
  });
}

/** A new handle on the same storage (so disposing one does not free the other). */
function view(t: Tensor, shape: readonly number[] = t.shape): Tensor {
  return new Tensor(t.rt, shape, t.dtype, t.shareStorage('backward'));
}

/** Disposes the gradients of the given tensors. */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}

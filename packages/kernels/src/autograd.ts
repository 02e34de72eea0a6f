/**
 * Reverse-mode autodiff. Each op that gets an input requiring grad attaches a GradNode to its
 * output: the inputs and a function from the output's gradient to the inputs' gradients.
 * `backward(loss)` walks the graph in reverse topological order, accumulating into leaves' `.grad`;
 * `grad(outputs, inputs)` (torch.autograd.grad) returns the gradients of the given inputs instead.
 *
 * First order (`backward`, and `grad` without `createGraph`): backward functions run without
 * recording. Intermediate gradients are disposed as soon as they have been consumed, so peak memory
 * stays close to the forward's.
 *
 * Higher order (`grad(…, { createGraph: true })`, e.g. StyleGAN2's R1 penalty, a gradient of a
 * gradient): backward functions run with recording on, so the gradients they return are tensors
 * with graphs of their own. That is only right for a backward built from differentiable ops (or
 * from ops whose own backward is known): such ops say so with `attach(…, { higherOrder: true })`,
 * and reaching any other op under `createGraph` throws, naming it. Nothing of the pass is disposed
 * then: the returned gradients' graphs hold it (the caller's scope frees it).
 */
import { Tensor, formatShape } from './tensor.js';
import type { BackwardContext } from './grad-node.js';
import { onesLike, zerosLike } from './ops/creation.js';
import { add, binaryRaw } from './ops/elementwise.js';
import { reshape } from './ops/shape.js';

// What an op records (GradNode, `attach`) lives in grad-node.ts, below the ops, because this pass
// runs on ops; re-exported, so this module exports what it always did.
export { attach, type AttachOptions, type BackwardContext, type GradFn, type GradNode } from './grad-node.js';

/**
 * Backpropagates from `root` (a one-element tensor, or any tensor with an explicit `grad` of its
 * shape). Only tensors with `requiresGrad` receive gradients; frozen parameters are skipped.
 * Leaf gradients land in `leaf.grad` (kept past scopes, accumulated over calls until `zeroGrad`).
 */
export function backward(root: Tensor, grad?: Tensor): void {
  root.assertLive('backward');
  if (grad) {
    grad.assertLive('backward');
    if (grad.rt !== root.rt) throw new Error(`backward: the gradient ${grad} belongs to a different runtime than ${root}`);
  }
  if (!root.requiresGrad) {
    throw new Error(`backward: ${root} does not require grad (no parameter it depends on requires grad, or it was made under noGrad)`);
  }
  checkSeed('backward', root, grad);
  const rt = root.rt;
  propagate('backward', [root], [grad], null, false, (leaf, g) => {
    // A leaf: accumulate into .grad, which outlives every scope.
    if (leaf.grad) {
      const total = binaryRaw('add', leaf.grad, g);
      leaf.grad.dispose();
      g.dispose();
      leaf.grad = rt.keep(total);
    } else {
      leaf.grad = rt.keep(g);
    }
  });
}

export interface GradOptions {
  /** The gradient of each output (default: ones, which needs one-element outputs). */
  gradOutputs?: Tensor | ReadonlyArray<Tensor | null | undefined>;
  /**
   * Record the backward pass, so the returned gradients can be differentiated again (a gradient
   * penalty's weight gradient). Every op on the way must support it, or this throws naming the op.
   */
  createGraph?: boolean;
  /** Give zeros for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * torch.autograd.grad: the gradients of Σ outputs·gradOutputs with respect to `inputs` (each must
 * require grad), returned in the order of `inputs`. Leaves' `.grad` are not touched. Only the part
 * of the graph between the outputs and the inputs is evaluated.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const seedsIn = opts.gradOutputs === undefined ? [] : opts.gradOutputs instanceof Tensor ? [opts.gradOutputs] : [...opts.gradOutputs];
  if (outs.length === 0) throw new Error('grad: no outputs');
  if (inputs.length === 0) throw new Error('grad: no inputs');
  if (seedsIn.length > outs.length) throw new Error(`grad: ${seedsIn.length} gradOutputs for ${outs.length} outputs`);
  const rt = outs[0].rt;
  outs.forEach((o, i) => {
    o.assertLive('grad');
    if (o.rt !== rt) throw new Error(`grad: output ${i} ${o} belongs to a different runtime`);
    if (!o.requiresGrad) throw new Error(`grad: output ${i} ${o} does not require grad (no input it depends on requires grad, or it was made under noGrad)`);
    const s = seedsIn[i];
    if (s) {
      s.assertLive('grad');
      if (s.rt !== rt) throw new Error(`grad: gradOutputs[${i}] ${s} belongs to a different runtime`);
    }
    checkSeed('grad', o, s ?? undefined);
  });
  inputs.forEach((x, i) => {
    x.assertLive('grad');
    if (!x.requiresGrad) throw new Error(`grad: input ${i} ${x} does not require grad; set requiresGrad on it before the forward`);
  });
  const targets = new Set(inputs);
  const found = new Map<Tensor, Tensor>();
  // Each tensor is visited once, with its whole gradient: one delivery per input.
  propagate('grad', outs, seedsIn, targets, opts.createGraph ?? false, (x, g) => found.set(x, g));
  return inputs.map((x, i) => {
    const g = found.get(x);
    if (g) return g;
    if (!opts.allowUnused) {
      throw new Error(`grad: input ${i} ${x} is not used by the outputs (pass allowUnused: true to get zeros for it)`);
    }
    return zerosLike(x);
  });
}

function checkSeed(op: string, root: Tensor, grad: Tensor | undefined): void {
  if (!grad && root.size !== 1) {
    throw new Error(`${op}: root has shape ${formatShape(root.shape)}; pass a gradient of that shape or reduce it to a scalar`);
  }
  if (grad && grad.size !== root.size) {
    throw new Error(`${op}: gradient shape ${formatShape(grad.shape)} does not match root ${formatShape(root.shape)}`);
  }
}

/** Post-order (inputs before the tensors made from them) of everything the roots depend on with grad. */
function graphOrder(caller: string, roots: readonly Tensor[]): Tensor[] {
  // Iterative DFS (graphs can be deep: a ViT-L has ~1000 nodes, a double backward twice that).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: Array<[Tensor, number]> = [[root, 0]];
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
              `${caller}: input ${i} of ${t.gradFn!.op}, Tensor#${c.id} ${formatShape(c.shape)}, was disposed before backward ` +
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
  }
  return order;
}

/**
 * The reverse pass shared by `backward` and `grad`. `targets` null: every leaf requiring grad gets
 * `deliver(leaf, g)`; otherwise only the targets do (and the walk skips what leads to none).
 * `deliver` owns the handle it is given.
 */
function propagate(
  caller: string,
  roots: readonly Tensor[],
  seeds: ReadonlyArray<Tensor | null | undefined>,
  targets: Set<Tensor> | null,
  createGraph: boolean,
  deliver: (x: Tensor, g: Tensor) => void,
): void {
  const rt = roots[0].rt;
  const order = graphOrder(caller, roots);
  // Which tensors lead to a target (a post-order visits inputs first).
  let leads: Set<Tensor> | null = null;
  if (targets) {
    leads = new Set();
    for (const t of order) {
      if (targets.has(t) || t.gradFn?.inputs.some((c) => c.requiresGrad && leads!.has(c))) leads.add(t);
    }
  }
  const wanted = (x: Tensor) => x.requiresGrad && (!leads || leads.has(x));

  const pass = () => {
    const grads = new Map<Tensor, Tensor>();
    // A new handle per use (disposing one must not free the other), recorded under createGraph.
    const own = (t: Tensor, shape: readonly number[]): Tensor => (createGraph ? reshape(t, shape) : view(t, shape));
    const accumulate = (x: Tensor, gi: Tensor) => {
      const prev = grads.get(x);
      if (!prev) {
        grads.set(x, gi);
      } else if (createGraph) {
        grads.set(x, add(prev, gi));
      } else {
        grads.set(x, binaryRaw('add', prev, gi));
        prev.dispose();
        gi.dispose();
      }
    };
    roots.forEach((r, i) => {
      if (!wanted(r)) return;
      const s = seeds[i];
      accumulate(r, s ? own(s, r.shape) : onesLike(r));
    });
    for (let n = order.length - 1; n >= 0; n--) {
      const t = order[n];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const isTarget = targets ? targets.has(t) : !t.gradFn;
      const node = t.gradFn;
      const needs = node ? node.inputs.map(wanted) : [];
      const goesOn = needs.some(Boolean);
      if (isTarget) deliver(t, goesOn ? own(g, t.shape) : g);
      if (!node || !goesOn) {
        if (!isTarget && !createGraph) g.dispose();
        continue;
      }
      const { inputs, backward: fn, op } = node;
      if (createGraph && !node.higherOrder) {
        throw new Error(
          `${caller}: createGraph reached ${op} (making ${t}), which has no double backward: ` +
            'its backward is not built from differentiable ops. Differentiate through other ops, or add it.',
        );
      }
      const ctx: BackwardContext = { needs, createGraph };
      // First order: its own scope, so temporaries of the backward (products before a sumTo,
      // reduction partials) are freed now rather than when the caller's scope closes. Under
      // createGraph they are part of the recorded graph and must live.
      const gs = createGraph ? fn(g, ctx) : rt.tidy(() => fn(g, ctx));
      if (gs.length !== inputs.length) throw new Error(`backward of ${op}: returned ${gs.length} gradients for ${inputs.length} inputs`);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        const gi = gs[i];
        if (!gi || !needs[i]) continue;
        if (gi.size !== x.size) {
          throw new Error(`backward of ${op}: gradient ${formatShape(gi.shape)} for input ${i} of shape ${formatShape(x.shape)}`);
        }
        // A backward may hand back `g` itself (or one tensor for two inputs): give each its own handle.
        accumulate(x, own(gi, x.shape));
      }
      if (!createGraph) {
        for (const gi of gs) if (gi && gi !== g) gi.dispose();
        g.dispose();
      }
    }
  };

  if (!createGraph) {
    rt.noGrad(pass);
    return;
  }
  const prev = rt.gradEnabled;
  rt.gradEnabled = true;
  try {
    pass();
  } finally {
    rt.gradEnabled = prev;
  }
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

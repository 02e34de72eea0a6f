/**
 * What an op records for reverse-mode autodiff: a GradNode on its output (the inputs and how to
 * get their gradients from the output's), put there by `attach`. Every differentiable op imports
 * this; the backward pass itself (`autograd.ts`) runs on ops (it accumulates with `add`,
 * reshapes, makes ones), so it lives above the ops and this below them: no import cycle.
 */
import type { Tensor } from './tensor.js';

/** What a backward function is told besides the output's gradient. */
export interface BackwardContext {
  /** Per input: whether its gradient is wanted at all (a backward may skip computing the others). */
  readonly needs: readonly boolean[];
  /**
   * True under `grad(…, { createGraph: true })`: recording is on, so the returned gradients must
   * come from differentiable ops (a raw kernel's output would carry no graph).
   */
  readonly createGraph: boolean;
}

export type GradFn = (grad: Tensor, ctx: BackwardContext) => ReadonlyArray<Tensor | null | undefined>;

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: GradFn;
  /** The backward is itself differentiable (built from recorded ops) under `createGraph`. */
  readonly higherOrder: boolean;
}

export interface AttachOptions {
  /** Set when `backward` records a correct graph of its own under `createGraph` (see autograd.ts's file comment). */
  higherOrder?: boolean;
}

/**
 * Called by every differentiable op after it computed `out`: records how to get the inputs'
 * gradients, if any input needs one and recording is on. Returns `out`.
 */
export function attach(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradFn, opts: AttachOptions = {}): Tensor {
  if (!out.rt.gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.gradFn = { op, inputs, backward, higherOrder: opts.higherOrder ?? false };
  return out;
}

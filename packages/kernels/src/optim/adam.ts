/**
 * Adam, as `torch.optim.Adam` computes it (torch/optim/adam.py, `_single_tensor_adam`, amsgrad off):
 *
 *   g  = grad + weightDecay · p                 (L2 decay added to the gradient, not decoupled as in AdamW)
 *   m  = β1 · m + (1 − β1) · g
 *   v  = β2 · v + (1 − β2) · g²
 *   p -= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * with t the parameter's own step count. ε goes in after the square root of the bias-corrected
 * second moment, exactly as torch does (not inside it, and not before the correction).
 *
 * One fused kernel updates p, m and v in place in one dispatch per parameter. Everything that
 * changes from step to step (lr, betas, the bias corrections) is a uniform computed in float64 on
 * the CPU, so one pipeline serves every step and every group.
 *
 * Freezing: a parameter with `requiresGrad = false` or no `.grad` at step time is skipped; its
 * moments and step count stay as they were, ready for when it is unfrozen (NADA's layer freezing).
 */
import { zeroGrad } from '../autograd.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { zeros } from '../ops/creation.js';
import type { Runtime } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { checkGrad, checkParam, ParamRegistry, stripUndefined, toGroupList } from './common.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** L2 penalty added to the gradient (torch's `weight_decay`). */
  weightDecay?: number;
}

/** A parameter group: its tensors and hyper-parameters, which may be changed between steps. */
export interface AdamGroup {
  params: Tensor[];
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export interface AdamState {
  /** Steps taken by this parameter (frozen steps do not count). */
  step: number;
  /** First moment (exp_avg). */
  m: Tensor;
  /** Second moment (exp_avg_sq). */
  v: Tensor;
}

const WG = 256;
const U = uniformStruct({ n: 'u32', beta1: 'f32', beta2: 'f32', eps: 'f32', weightDecay: 'f32', stepSize: 'f32', bc2Sqrt: 'f32' });
const adamKernel = kernel('adam', 'fused', () => `
${bindings([['G', 'f32']], [['P', 'f32'], ['M', 'f32'], ['V', 'f32']], U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let p = P[idx];
  let g = G[idx] + u.weightDecay * p;
  let m = u.beta1 * M[idx] + (1.0 - u.beta1) * g;
  let v = u.beta2 * V[idx] + (1.0 - u.beta2) * g * g;
  M[idx] = m;
  V[idx] = v;
  P[idx] = p - u.stepSize * (m / (sqrt(v) / u.bc2Sqrt + u.eps));`)}`);

const ADAM_DEFAULTS = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0 };

export class Adam {
  readonly groups: AdamGroup[];
  private readonly state = new Map<Tensor, AdamState>();
  private readonly rt: Runtime;

  constructor(params: Tensor[] | Array<{ params: Tensor[] } & AdamOptions>, defaults: AdamOptions = {}) {
    const base = { ...ADAM_DEFAULTS, ...stripUndefined(defaults) };
    const list = toGroupList<{ params: Tensor[] } & AdamOptions>('Adam', params);
    const registry = new ParamRegistry('Adam');
    this.groups = list.map((g, i) => {
      const group: AdamGroup = {
        params: [...g.params],
        lr: g.lr ?? base.lr,
        betas: [...(g.betas ?? base.betas)] as [number, number],
        eps: g.eps ?? base.eps,
        weightDecay: g.weightDecay ?? base.weightDecay,
      };
      checkAdamGroup(group, i);
      for (const p of group.params) registry.add(p, i);
      return group;
    });
    this.rt = registry.runtime();
  }

  /** One update of every parameter that has a gradient and is not frozen. */
  step(): void {
    // Check everything first, so a bad group or gradient leaves every parameter untouched.
    const work: Array<{ p: Tensor; grad: Tensor; group: AdamGroup }> = [];
    this.groups.forEach((group, gi) => {
      checkAdamGroup(group, gi);
      for (const p of group.params) {
        checkParam('Adam.step', p, this.rt);
        if (!p.requiresGrad || !p.grad) continue;
        checkGrad('Adam.step', p, p.grad);
        work.push({ p, grad: p.grad, group });
      }
    });
    for (const { p, grad, group } of work) {
      const [beta1, beta2] = group.betas;
      const s = this.stateFor(p);
      s.step++;
      const bc1 = 1 - beta1 ** s.step;
      const bc2 = 1 - beta2 ** s.step;
      this.rt.dispatch(adamKernel, {
        read: [grad],
        write: [p, s.m, s.v],
        uniforms: U.pack({ n: p.size, beta1, beta2, eps: group.eps, weightDecay: group.weightDecay, stepSize: group.lr / bc1, bc2Sqrt: Math.sqrt(bc2) }),
        workgroups: Math.ceil(p.size / WG),
      });
    }
  }

  /** Drops every parameter's gradient (torch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const g of this.groups) zeroGrad(g.params);
  }

  /** The state of one parameter, or undefined before its first step. */
  stateOf(p: Tensor): Readonly<AdamState> | undefined {
    return this.state.get(p);
  }

  /**
   * Restores one parameter's state (resuming a run): copies of `m` and `v` are kept, the
   * arguments stay the caller's.
   */
  loadState(p: Tensor, state: { step: number; m: Tensor; v: Tensor }): void {
    if (!this.groups.some((g) => g.params.includes(p))) throw new Error(`Adam.loadState: ${p} is not one of this optimiser's parameters`);
    for (const t of [state.m, state.v]) {
      if (t.size !== p.size) throw new Error(`Adam.loadState: state of shape [${t.shape.join(', ')}] for a parameter of shape [${p.shape.join(', ')}]`);
    }
    const old = this.state.get(p);
    old?.m.dispose();
    old?.v.dispose();
    const copyOf = (t: Tensor): Tensor => {
      const c = p.rt.keep(p.rt.empty(p.shape, 'f32', 'Adam.loadState'));
      p.rt.copy(t, c);
      return c;
    };
    this.state.set(p, { step: state.step, m: copyOf(state.m), v: copyOf(state.v) });
  }

  /** Frees the moment buffers. The optimiser is unusable afterwards. */
  dispose(): void {
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
  }

  private stateFor(p: Tensor): AdamState {
    let s = this.state.get(p);
    if (!s) {
      // Zero moments, owned by the optimiser rather than whatever scope `step` runs in.
      s = { step: 0, m: this.rt.keep(zeros(this.rt, p.shape)), v: this.rt.keep(zeros(this.rt, p.shape)) };
      this.state.set(p, s);
    }
    return s;
  }
}

function checkAdamGroup(g: AdamGroup, i: number): void {
  const where = `Adam: group ${i}`;
  if (!(g.lr >= 0)) throw new Error(`${where}: invalid learning rate ${g.lr}`);
  if (!(g.eps >= 0)) throw new Error(`${where}: invalid eps ${g.eps}`);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error(`${where}: betas must be [beta1, beta2], got ${String(g.betas)}`);
  g.betas.forEach((b, k) => {
    if (!(b >= 0 && b < 1)) throw new Error(`${where}: invalid beta${k + 1} ${b} (must be in [0, 1))`);
  });
  if (!(g.weightDecay >= 0)) throw new Error(`${where}: invalid weightDecay ${g.weightDecay}`);
}

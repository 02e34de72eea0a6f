/**
 * SGD, as `torch.optim.SGD` computes it (torch/optim/sgd.py, `_single_tensor_sgd`):
 *
 *   d = grad + weightDecay · p
 *   if momentum ≠ 0:
 *     buf = d                                   on the parameter's first step
 *     buf = momentum · buf + (1 − dampening) · d  afterwards
 *     d = nesterov ? d + momentum · buf : buf
 *   p -= lr · d
 *
 * One fused kernel per parameter updates p (and the momentum buffer) in place; whether this is
 * the buffer's first step is a uniform, so the same pipeline serves every step. Frozen
 * parameters (`requiresGrad = false` or no `.grad`) are skipped and keep their buffers.
 */
import { zeroGrad } from '../autograd.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { zeros } from '../ops/creation.js';
import type { Runtime } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { checkGrad, checkParam, ParamRegistry, stripUndefined, toGroupList } from './common.js';

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient (torch's `weight_decay`). */
  weightDecay?: number;
  nesterov?: boolean;
}

export interface SgdGroup {
  params: Tensor[];
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdState {
  /** Steps taken by this parameter (frozen steps do not count). */
  step: number;
  /** Momentum buffer, null while momentum is 0. */
  momentumBuffer: Tensor | null;
}

const WG = 256;
const U = uniformStruct({ n: 'u32', first: 'u32', nesterov: 'u32', lr: 'f32', momentum: 'f32', dampening: 'f32', weightDecay: 'f32' });
const sgdMomentumKernel = kernel('sgd', 'momentum', () => `
${bindings([['G', 'f32']], [['P', 'f32'], ['B', 'f32']], U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let p = P[idx];
  var d = G[idx] + u.weightDecay * p;
  var b = d;
  if (u.first == 0u) { b = u.momentum * B[idx] + (1.0 - u.dampening) * d; }
  B[idx] = b;
  if (u.nesterov != 0u) { d = d + u.momentum * b; } else { d = b; }
  P[idx] = p - u.lr * d;`)}`);
const sgdPlainKernel = kernel('sgd', 'plain', () => `
${bindings([['G', 'f32']], [['P', 'f32']], U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let p = P[idx];
  P[idx] = p - u.lr * (G[idx] + u.weightDecay * p);`)}`);

const SGD_DEFAULTS = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };

export class SGD {
  readonly groups: SgdGroup[];
  private readonly state = new Map<Tensor, SgdState>();
  private readonly rt: Runtime;

  constructor(params: Tensor[] | Array<{ params: Tensor[] } & SgdOptions>, defaults: SgdOptions = {}) {
    const base = { ...SGD_DEFAULTS, ...stripUndefined(defaults) };
    const registry = new ParamRegistry('SGD');
    this.groups = toGroupList<{ params: Tensor[] } & SgdOptions>('SGD', params).map((g, i) => {
      const group: SgdGroup = {
        params: [...g.params],
        lr: g.lr ?? base.lr,
        momentum: g.momentum ?? base.momentum,
        dampening: g.dampening ?? base.dampening,
        weightDecay: g.weightDecay ?? base.weightDecay,
        nesterov: g.nesterov ?? base.nesterov,
      };
      checkSgdGroup(group, i);
      for (const p of group.params) registry.add(p, i);
      return group;
    });
    this.rt = registry.runtime();
  }

  /** One update of every parameter that has a gradient and is not frozen. */
  step(): void {
    // Check everything first, so a bad group or gradient leaves every parameter untouched.
    const work: Array<{ p: Tensor; grad: Tensor; group: SgdGroup }> = [];
    this.groups.forEach((group, gi) => {
      checkSgdGroup(group, gi);
      for (const p of group.params) {
        checkParam('SGD.step', p, this.rt);
        if (!p.requiresGrad || !p.grad) continue;
        checkGrad('SGD.step', p, p.grad);
        work.push({ p, grad: p.grad, group });
      }
    });
    for (const { p, grad, group } of work) {
      let s = this.state.get(p);
      if (!s) this.state.set(p, (s = { step: 0, momentumBuffer: null }));
      s.step++;
      const withMomentum = group.momentum !== 0;
      let first = 0;
      if (withMomentum && !s.momentumBuffer) {
        // torch starts the buffer as a copy of the first d; the kernel writes it when `first` is set.
        s.momentumBuffer = this.rt.keep(zeros(this.rt, p.shape));
        first = 1;
      }
      this.rt.dispatch(withMomentum ? sgdMomentumKernel : sgdPlainKernel, {
        read: [grad],
        write: withMomentum ? [p, s.momentumBuffer!] : [p],
        uniforms: U.pack({ n: p.size, first, nesterov: group.nesterov ? 1 : 0, lr: group.lr, momentum: group.momentum, dampening: group.dampening, weightDecay: group.weightDecay }),
        workgroups: Math.ceil(p.size / WG),
      });
    }
  }

  /** Drops every parameter's gradient (torch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const g of this.groups) zeroGrad(g.params);
  }

  stateOf(p: Tensor): Readonly<SgdState> | undefined {
    return this.state.get(p);
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const s of this.state.values()) s.momentumBuffer?.dispose();
    this.state.clear();
  }
}

function checkSgdGroup(g: SgdGroup, i: number): void {
  const where = `SGD: group ${i}`;
  if (!(g.lr >= 0)) throw new Error(`${where}: invalid learning rate ${g.lr}`);
  if (!(g.momentum >= 0)) throw new Error(`${where}: invalid momentum ${g.momentum}`);
  if (!(g.weightDecay >= 0)) throw new Error(`${where}: invalid weightDecay ${g.weightDecay}`);
  if (!Number.isFinite(g.dampening)) throw new Error(`${where}: invalid dampening ${g.dampening}`);
  if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
    throw new Error(`${where}: nesterov momentum requires a momentum > 0 and zero dampening`);
  }
}

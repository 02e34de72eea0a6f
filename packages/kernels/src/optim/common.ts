/**
 * Checks shared by the optimisers: every parameter an f32 leaf of one runtime, in one group only;
 * every gradient the parameter's size. Errors name the optimiser and the tensor.
 */
import type { Runtime } from '../runtime.js';
import { Tensor } from '../tensor.js';

/** Splits the constructor argument into groups: a plain tensor list is one group. */
export function toGroupList<G extends { params: Tensor[] }>(op: string, params: Tensor[] | G[]): Array<Partial<G> & { params: Tensor[] }> {
  if (!Array.isArray(params) || params.length === 0) throw new Error(`${op}: got an empty parameter list`);
  if (params.every((p) => p instanceof Tensor)) return [{ params: params as Tensor[] } as Partial<G> & { params: Tensor[] }];
  return (params as G[]).map((g, i) => {
    if (!g || !Array.isArray(g.params)) throw new Error(`${op}: group ${i} has no params array (mix of tensors and groups?)`);
    return g;
  });
}

/** Remembers which group owns each parameter, refusing duplicates and mixed runtimes. */
export class ParamRegistry {
  private owner = new Map<Tensor, number>();
  private rt: Runtime | null = null;
  constructor(private readonly op: string) {}

  add(p: Tensor, group: number): void {
    if (!(p instanceof Tensor)) throw new Error(`${this.op}: group ${group} holds a non-tensor parameter`);
    const prev = this.owner.get(p);
    if (prev !== undefined) throw new Error(`${this.op}: ${label(p)} appears twice (groups ${prev} and ${group})`);
    this.rt ??= p.rt;
    if (p.rt !== this.rt) throw new Error(`${this.op}: ${label(p)} belongs to a different runtime than the other parameters`);
    checkParam(this.op, p, this.rt);
    this.owner.set(p, group);
  }

  runtime(): Runtime {
    if (!this.rt) throw new Error(`${this.op}: got an empty parameter list`);
    return this.rt;
  }
}

/** A tensor as errors show it: id, shape, dtype, and its name if it has one. */
export function label(t: Tensor): string {
  return t.name ? `${t} '${t.name}'` : `${t}`;
}

export function checkParam(op: string, p: Tensor, rt: Runtime): void {
  p.assertLive(op);
  if (p.dtype !== 'f32') throw new Error(`${op}: parameter ${label(p)} must be f32, got ${p.dtype}`);
  if (p.rt !== rt) throw new Error(`${op}: parameter ${label(p)} belongs to a different runtime`);
  if (p.gradFn) throw new Error(`${op}: ${label(p)} is not a leaf (it was computed by ${p.gradFn.op}); optimise the tensor it came from`);
}

export function checkGrad(op: string, p: Tensor, g: Tensor): void {
  g.assertLive(op);
  if (g.dtype !== 'f32' || g.size !== p.size || g.rt !== p.rt) {
    throw new Error(`${op}: gradient ${label(g)} does not fit parameter ${label(p)}`);
  }
}

/** Drops undefined fields so they do not override defaults in a spread. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A generic benchmark case for one op: seeded inputs, a forward (or forward + backward) run, and
 * a float64 reference evaluated at sampled outputs (or sampled entries of one input's gradient).
 */
import * as K from '@stylegpu/kernels';
import * as internals from '@stylegpu/kernels/internals';
import { compareSamples, randomData, sampleIndices } from './reference.js';
import type { BenchCase } from './types.js';

export interface OpInput {
  shape: number[];
  seed: number;
  /** Data = scale · uniform[-1, 1) + offset (default 1, 0). */
  scale?: number;
  offset?: number;
}

export interface OpCaseSpec {
  suite: string;
  group: string;
  name: string;
  op: string;
  variant?: string;
  params: Record<string, number | string>;
  flops: number;
  bytes: number;
  inputs: OpInput[];
  /** The op under test, recorded on the GPU. */
  forward: (xs: K.Tensor[]) => K.Tensor;
  /**
   * With `backward`, each run is forward + backward with a seeded dL/dout, and the check compares
   * sampled entries of the gradient of input `backward.input`.
   */
  backward?: { input: number; gradSeed: number };
  /** float64 value (and its error scale Σ|terms|) of output / gradient element i. `g` is dL/dout for backward cases. */
  reference: (i: number, data: Float32Array[], g?: Float32Array) => { value: number; scale: number };
  relTol?: number;
  samples?: number;
}

/** A function of @stylegpu/kernels by name: the public surface, else the internals (unfused routes, raw launches). */
export function kernelsFunction(name: string): unknown {
  return (K as unknown as Record<string, unknown>)[name] ?? (internals as unknown as Record<string, unknown>)[name];
}

/** Reads a function op from the kernels package by name (ops land over time; the suite checks presence first). */
export function op<F extends (...args: never[]) => unknown>(name: string): F {
  const f = kernelsFunction(name);
  if (typeof f !== 'function') throw new Error(`bench: @stylegpu/kernels (and its /internals) has no ${name}()`);
  return f as F;
}

export function opCase(spec: OpCaseSpec): BenchCase {
  return {
    suite: spec.suite,
    group: spec.group,
    name: spec.name,
    ...(spec.variant ? { variant: spec.variant } : {}),
    params: { op: spec.op, ...spec.params },
    flops: spec.flops,
    bytes: spec.bytes,
    setup({ rt }) {
      const data = spec.inputs.map((inp) => {
        const d = randomData(inp.shape.reduce((a, b) => a * b, 1), inp.seed);
        if (inp.scale !== undefined || inp.offset !== undefined) for (let i = 0; i < d.length; i++) d[i] = d[i] * (inp.scale ?? 1) + (inp.offset ?? 0);
        return d;
      });
      const bw = spec.backward;
      const xs = data.map((d, i) => (bw ? rt.parameter(d, spec.inputs[i].shape) : rt.keep(rt.tensor(d, spec.inputs[i].shape))));
      let out: K.Tensor | null = null;
      let gData: Float32Array | undefined;
      let g: K.Tensor | null = null;
      const run = bw
        ? () => {
            K.zeroGrad(xs);
            rt.tidy(() => {
              const y = spec.forward(xs);
              if (!g) {
                gData = randomData(y.size, bw.gradSeed);
                g = rt.keep(rt.tensor(gData, y.shape));
              }
              K.backward(y, g);
            });
          }
        : () => {
            out?.dispose();
            out = rt.keep(rt.noGrad(() => spec.forward(xs)));
          };
      return {
        run,
        async check() {
          const target = bw ? xs[bw.input].grad : out;
          if (!target) throw new Error(`${spec.name}: no ${bw ? 'gradient' : 'output'} after the run`);
          const values = (await target.read()) as Float32Array;
          return compareSamples(values, sampleIndices(values.length, spec.samples ?? 64), (i) => spec.reference(i, data, gData), spec.relTol ?? 1e-5);
        },
        dispose() {
          out?.dispose();
          (g as K.Tensor | null)?.dispose();
          K.zeroGrad(xs);
          for (const x of xs) x.dispose();
        },
      };
    },
  };
}

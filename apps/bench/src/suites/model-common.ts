/**
 * Shared by the model suites (StyleGAN2 generator, CLIP ViT-B/32, one NADA step): seeded random
 * weights of a model's real shapes, the peak pool memory of one run, and the batch cross-check
 * that stands in for a float64 reference at these sizes (a float64 CPU generator at 256 px would
 * take minutes): the same input at two batch sizes must give the same output.
 */
import type { HostTensor } from '@stylegpu/io';
import type { Runtime } from '@stylegpu/kernels';
import { mulberry32 } from '@stylegpu/kernels/testing';
import type { CheckResult } from './types.js';

/** Seeded standard normal floats (mulberry32 + Box–Muller). */
export function randn(n: number, seed: number, std = 1): Float32Array {
  const next = mulberry32(seed);
  // Shifted by half a step so the logarithm never sees 0.
  const uniform = (): number => next() + 0.5 / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    out[i] = std * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(th);
  }
  return out;
}

export function hostTensor(shape: number[], data: Float32Array): HostTensor {
  return { dtype: 'f32', shape: [...shape], data };
}

export const MiB = 1024 * 1024;

/** Pool bytes in use now, and the high-water mark since `rt.pool.resetPeak()`, in MiB. */
export function poolMetrics(rt: Runtime, prefix = ''): Record<string, number> {
  const s = rt.pool.getStats();
  return { [`${prefix}peakMiB`]: s.peakBytesInUse / MiB };
}

/**
 * Compares `got` (one sample of a batch) with `want` (the same sample from a run at another batch
 * size): every element, the bound relTol × max |want| (the output's scale, as the kernels' checkOp).
 * Non-finite values fail.
 */
export function compareBatches(got: ArrayLike<number>, want: ArrayLike<number>, relTol: number): CheckResult {
  if (got.length !== want.length) return { ok: false, maxAbsErr: Infinity, tolerance: 0, samples: 0 };
  let scale = 0;
  let err = 0;
  let finite = true;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(got[i]) || !Number.isFinite(want[i])) finite = false;
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  const tolerance = relTol * scale;
  // An all-zero output would pass trivially; it means the model computed nothing.
  return { ok: finite && scale > 0 && err <= tolerance, maxAbsErr: finite ? err : Infinity, tolerance, samples: want.length };
}

/** The tolerances of the kernels' checkOp (forward, backward), relative to the output's max magnitude. */
export const REL_TOL = { forward: 2e-5, backward: 2e-4 } as const;

/** The check of a run with nothing to compare against: every value finite and not all zero. */
export function finiteCheck(values: ArrayLike<number>): CheckResult {
  let finite = true;
  let nonZero = false;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) finite = false;
    else if (values[i] !== 0) nonZero = true;
  }
  return { ok: finite && nonZero, maxAbsErr: finite ? 0 : Infinity, tolerance: 0, samples: values.length };
}

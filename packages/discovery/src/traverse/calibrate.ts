/**
 * Step-size calibration: rescales each direction so that a unit step (α = 1) changes the sensor's
 * features by the same amount, `target`, measured as the mean over seeds and sensor layers of
 *
 *   r(σ) = ‖S_ℓ(G(w + σ·off)) − S_ℓ(G(w))‖ / ‖S_ℓ(G(w)) − mean_seeds S_ℓ(G(w))‖
 *
 * (the change relative to how much the features differ between samples). r grows with σ, about
 * linearly for small steps, so σ is found by a few secant-style updates σ ← σ·target/r(σ) from the
 * current step scale (clamped to ×/÷ 8 per update). This replaces the fork's calibrate_discover.py,
 * which walks until the discriminator's realism score drops (a trained D is not always at hand).
 */
import { concat, slice, sub, sum, square, expand, reshape, mean, type Tensor } from '@stylegpu/kernels';
import { editW, type LatentEditor } from '../direction-set.js';
import { checkSeeds, seedRange, type LatentGenerator } from '../latent-generator.js';
import type { FeatureSensor } from '../sensors/feature-sensor.js';

export interface CalibrateOptions {
  /** Relative feature change of a unit step. Default 0.5. */
  target?: number;
  seeds?: readonly number[];
  /** Secant updates. Default 4. */
  iterations?: number;
}

/** Calibrated step scales, one per direction (the editor is not modified). */
export async function calibrateSteps(gen: LatentGenerator, editor: LatentEditor, sensor: FeatureSensor, opts: CalibrateOptions = {}): Promise<number[]> {
  const target = opts.target ?? 0.5;
  const seeds = opts.seeds ?? seedRange(0, 8);
  const iterations = opts.iterations ?? 4;
  if (!(target > 0)) throw new Error(`calibrateSteps: target must be positive, got ${target}`);
  checkSeeds(seeds, 'calibrateSteps');
  if (seeds.length < 2) throw new Error('calibrateSteps: needs at least 2 seeds (the spread between samples is the unit)');
  const rt = gen.rt;
  const N = seeds.length;
  const w = rt.keep(gen.sampleW(seeds));
  try {
    const scales: number[] = [];
    for (let d = 0; d < editor.count; d++) {
      let sigma = editor.stepScales[d];
      for (let it = 0; it < iterations; it++) {
        const r = await relativeChange(gen, editor, sensor, w, d, sigma, N);
        // Below 1e-5 of the sample spread is float32 rounding, not an edit.
        if (!(r > 1e-5)) throw new Error(`calibrateSteps: direction ${d} (${editor.names[d]}) changes nothing at step ${sigma}; it cannot be calibrated`);
        sigma *= Math.min(8, Math.max(1 / 8, target / r));
      }
      scales.push(sigma);
    }
    return scales;
  } finally {
    w.dispose();
  }
}

async function relativeChange(gen: LatentGenerator, editor: LatentEditor, sensor: FeatureSensor, w: Tensor, d: number, sigma: number, N: number): Promise<number> {
  const rt = gen.rt;
  const ratios = rt.noGrad(() =>
    rt.tidy(() => {
      const off = editor.offset(w, d);
      const ws = concat([editW(w, off, 0), editW(w, off, sigma)], 0);
      const feats = sensor.features(gen.synthesize(ws));
      const parts = feats.map((f) => {
        const base = slice(f, [[0, N]]);
        const moved = slice(f, [[N, 2 * N]]);
        const centred = sub(base, expand(mean(base, 0, true), base.shape));
        const change = sum(square(reshape(sub(moved, base), [N, -1])), 1);
        const spread = sum(square(reshape(centred, [N, -1])), 1);
        return concat([reshape(change, [N, 1]), reshape(spread, [N, 1])], 1);
      });
      return rt.keep(concat(parts, 1)); // [N, 2·layers]
    }),
  );
  try {
    const v = await ratios.read();
    const cols = ratios.shape[1];
    let total = 0;
    for (let n = 0; n < N; n++) for (let l = 0; l < cols; l += 2) total += Math.sqrt(v[n * cols + l]) / Math.sqrt(v[n * cols + l + 1] + 1e-12);
    return total / ((N * cols) / 2);
  } finally {
    ratios.dispose();
  }
}

/**
 * Training the overparameterised generator with the house StyleGAN2 trainer (`StyleGan2Trainer`, stylegan's
 * train/trainer.ts). The trainer builds its own `Generator` and calls `G.synthesis(ws, { noiseMode, noiseSeed })`
 * in every phase; it offers no hook for another synthesis, so this routes that one call of a given generator
 * instance (the trainer's `G`, and `Gema` for snapshots) through `OverparamSynthesis`: each layer's latent is its
 * w copied to every channel (or pixel), plus, when `jitter` > 0, independent N(0, jitter²) noise per channel —
 * so the weights learn to take latents whose rows differ, which is what overparameterised inversion later
 * optimises. The weights, their names and the trainer's optimiser state are untouched: a checkpoint of a run
 * loads as an ordinary generator.
 *
 * The paper's exact training-time latent sampling was not recoverable (see the package README); the jitter is
 * this package's choice. Its draws are a function of `seed` and the call's `noiseSeed`, which the trainer derives
 * from (run seed, step, phase): a resumed run draws what an uninterrupted one would, bit for bit. (A call without
 * a noise seed — const or no noise — falls back to a count of calls.) `stylegpu train --overparam` installs this
 * through `trainStyleGan`'s `prepare` hook. Returns a function that puts the generator's own synthesis back.
 */
import { type Tensor, add, mulScalar, randomNormal } from '@stylegpu/kernels';
import { type Generator, type SynthesisOptions, stepSeed } from '@stylegpu/stylegan';
import { OVERPARAM_MODES, type OverparamMode, OverparamSynthesis } from './overparam-synthesis.js';

export interface TrainAsOverparamOptions {
  mode?: OverparamMode;
  /**
   * Std of the per-channel (per-pixel) latent noise in training (w units); 0 trains the baseline's function,
   * through the overparameterised layers (equal to `modulatedConv2d` up to float rounding, not bit for bit).
   */
  jitter?: number;
  /** Seed of that noise, mixed with each call's noise seed. */
  seed?: number;
}

/** Names the jitter's draws among a call's (its noise seed takes stepSeed's step word; any fixed number would do). */
const JITTER_STREAM = 0x4a49;

export function trainAsOverparam(G: Generator, opts: TrainAsOverparamOptions = {}): () => void {
  const jitter = opts.jitter ?? 0;
  if (!Number.isFinite(jitter) || jitter < 0) throw new Error(`trainAsOverparam: jitter must be a finite number ≥ 0, got ${jitter}`);
  if (opts.mode !== undefined && !OVERPARAM_MODES.includes(opts.mode)) throw new Error(`trainAsOverparam: mode must be ${OVERPARAM_MODES.join(' or ')}, got '${opts.mode}'`);
  const op = new OverparamSynthesis(G, opts.mode ?? 'channel');
  let calls = 0;
  const own = Object.getOwnPropertyDescriptor(G, 'synthesis');
  const synthesis = (ws: Tensor, o: SynthesisOptions = {}): Tensor => {
    const latent = op.fromWs(ws);
    if (jitter > 0) {
      const seed = o.noiseSeed !== undefined ? stepSeed(opts.seed ?? 0, o.noiseSeed, JITTER_STREAM) : ((opts.seed ?? 0) * 7919 + calls++) >>> 0;
      let k = 0;
      for (const [name, t] of latent) latent.set(name, add(t, mulScalar(randomNormal(G.rt, t.shape, { seed, offset: k++ * 0x1000000 }), jitter)));
    }
    return op.synthesize(latent, { noiseMode: o.noiseMode, noiseSeed: o.noiseSeed });
  };
  Object.defineProperty(G, 'synthesis', { value: synthesis, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(G, 'synthesis', own);
    else delete (G as unknown as Record<string, unknown>).synthesis;
  };
}

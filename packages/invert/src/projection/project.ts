/**
 * Optimisation-based projection of one image into a generator's latent space, with the semantics of
 * NVIDIA's stylegan2-ada-pytorch `projector.py`:
 *
 *  - start at w_avg of 10000 mapped z (RandomState(123)), spread w_std (`latentStats`);
 *  - the `noise_const` maps are optimised too: drawn N(0, 1) at the start, regularised by the multi-scale
 *    one-pixel autocorrelation penalty (× 1e5) and renormalised to zero mean, unit variance after every step;
 *  - Adam (β = 0.9, 0.999) on the latent and the noise maps, learning rate 0.1 with a 5 % linear rampup and a
 *    25 % cosine rampdown; noise of 0.05·w_std added to the latent, falling quadratically to 0 at 75 % of the run;
 *  - loss = perceptual distance (LPIPS-VGG16 sums of squared feature differences, as NVIDIA's; or CLIP) +
 *    mseWeight · MSE + 1e5 · noise regularisation. NVIDIA's projector has no MSE term (mseWeight 0 with LPIPS
 *    reproduces it); with no perceptual network the loss is the MSE alone.
 *
 * The latent can be W (NVIDIA's), W+, StyleSpace or the overparameterised latents (see latent-variable.ts).
 * The generator's own noise maps are swapped for the optimised ones while the projection runs and put back
 * afterwards (the projector works on a copy of G for the same reason).
 */
import { Adam, type Runtime, type Tensor, add, backward, mulScalar, randomNormal } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { mseLoss } from '../losses/mse.js';
import type { PerceptualDistance } from '../losses/perceptual.js';
import { type LatentStats, latentStats } from './latent-stats.js';
import { type LatentVariable, type ProjectionSpace, createLatentVariable } from './latent-variable.js';
import { noiseRegularization, renormalizeNoise } from './noise-regularization.js';
import { NVIDIA_SCHEDULE, type ProjectorSchedule, latentNoiseAt, learningRateAt } from './schedule.js';

export interface ProjectOptions {
  space?: ProjectionSpace;
  /** Optimisation steps (1000). */
  numSteps?: number;
  /** Seed of the initial noise maps and of the per-step latent noise. */
  seed?: number;
  schedule?: Partial<ProjectorSchedule>;
  /** Weight of the noise-map regulariser (1e5). */
  regularizeNoiseWeight?: number;
  /** LPIPS or CLIP distance to the target; none: MSE only. */
  perceptual?: PerceptualDistance | null;
  /** Weight of the MSE term (default 1 without a perceptual distance, 0 with one, as NVIDIA's). */
  mseWeight?: number;
  /** Precomputed w statistics (they cost 10000 mapping passes), or options for computing them. */
  stats?: LatentStats;
  wAvgSamples?: number;
  /** Optimise the noise maps (true, as NVIDIA); false keeps the generator's own noise_const maps. */
  optimizeNoise?: boolean;
  /** Called after every step; `frame` is given every `frameEvery` steps (and at the last step) when set. */
  onStep?: (info: StepInfo) => void | Promise<void>;
  frameEvery?: number;
}

export interface StepInfo {
  step: number;
  numSteps: number;
  loss: number;
  perceptual: number | null;
  mse: number;
  lr: number;
  /** The current image (no latent noise) [C, R, R] in about [−1, 1], when a frame is due. */
  frame?: Float32Array;
}

export interface ProjectionResult {
  space: ProjectionSpace;
  /** [1, num_ws, w_dim] for W and W+ (what `projected_w.npz` holds), else null. */
  ws: Float32Array | null;
  /** The optimised latent tensors in order (W/W+: one; S and overparam: one per layer), with their shapes. */
  latent: Array<{ name: string; shape: number[]; data: Float32Array }>;
  /** The final noise_const maps by layer name. */
  noise: Map<string, Float32Array>;
  /** The final image [C, R, R] in about [−1, 1] (optimised noise maps, no latent noise). */
  image: Float32Array;
  losses: number[];
}

export async function project(rt: Runtime, G: Generator, target: Tensor, opts: ProjectOptions = {}): Promise<ProjectionResult> {
  const { imgChannels: C, imgResolution: R } = G.config;
  if (target.rank !== 4 || target.shape[0] !== 1 || target.shape[1] !== C || target.shape[2] !== R || target.shape[3] !== R) {
    throw new Error(
      `project: the target must be one image [1, ${C}, ${R}, ${R}] in [-1, 1] for this ${R}-px generator, got [${target.shape.join(', ')}]; ` +
        'centre-crop and resize it to the generator resolution first (loadProjectionTarget does)',
    );
  }
  const numSteps = opts.numSteps ?? 1000;
  if (!Number.isInteger(numSteps) || numSteps < 1) throw new Error(`project: numSteps must be a positive integer, got ${numSteps}`);
  const space = opts.space ?? 'w';
  const seed = opts.seed ?? 0;
  const schedule = { ...NVIDIA_SCHEDULE, ...opts.schedule };
  const perceptual = opts.perceptual ?? null;
  const mseWeight = opts.mseWeight ?? (perceptual ? 0 : 1);
  const regWeight = opts.regularizeNoiseWeight ?? 1e5;
  const stats = opts.stats ?? (await latentStats(rt, G, { samples: opts.wAvgSamples }));

  // The optimised noise maps, in place of the generator's noise_const buffers for the run.
  // With optimizeNoise off, the generator's own maps are used as they are (nothing is swapped).
  const optimizeNoise = opts.optimizeNoise ?? true;
  const noiseNames = optimizeNoise ? G.layers.filter((l) => l.kind !== 'torgb').map((l) => `synthesis.${l.name}.noise_const`) : [];
  const originals = new Map(noiseNames.map((n) => [n, G.params.get(n)!]));
  const noiseMaps = noiseNames.map((n, k) => {
    const t = rt.keep(randomNormal(rt, originals.get(n)!.shape, { seed: seed ^ 0x5eed, offset: k * 0x1000000 }));
    t.requiresGrad = true;
    return t;
  });
  let variable: LatentVariable | null = null;
  let opt: Adam | null = null;
  try {
    noiseNames.forEach((n, k) => G.params.set(n, noiseMaps[k]));
    variable = createLatentVariable(rt, G, space, stats);
    const trainables = [...variable.params, ...noiseMaps];
    opt = new Adam(trainables, { lr: schedule.initialLearningRate, betas: [0.9, 0.999] });
    const losses: number[] = [];
    for (let step = 0; step < numSteps; step++) {
      const lr = learningRateAt(step, numSteps, schedule);
      for (const g of opt.groups) g.lr = lr;
      const sigma = latentNoiseAt(step, numSteps, 1, schedule);
      const v = variable;
      const parts = rt.tidy(() => {
        const synth = v.render(sigma, (seed * 1_000_003 + step) >>> 0);
        const mse = mseLoss(synth, target);
        const dist = perceptual ? perceptual.distance(synth) : null;
        let loss = mulScalar(mse, mseWeight);
        if (dist) loss = add(loss, dist);
        if (optimizeNoise) loss = add(loss, mulScalar(noiseRegularization(noiseMaps.map((m) => m)), regWeight));
        backward(loss);
        return { loss, mse, dist };
      });
      opt.step();
      opt.zeroGrad();
      if (optimizeNoise) renormalizeNoise(noiseMaps);
      const info: StepInfo = {
        step,
        numSteps,
        loss: (await parts.loss.read())[0],
        mse: (await parts.mse.read())[0],
        perceptual: parts.dist ? (await parts.dist.read())[0] : null,
        lr,
      };
      parts.loss.dispose();
      parts.mse.dispose();
      parts.dist?.dispose();
      if (!Number.isFinite(info.loss)) throw new Error(`project: the loss is ${info.loss} at step ${step} of ${numSteps}; lower the learning rate or check the target`);
      losses.push(info.loss);
      const frameEvery = opts.frameEvery ?? 0;
      if (frameEvery > 0 && (step % frameEvery === 0 || step === numSteps - 1)) info.frame = await renderNow(rt, v);
      await opts.onStep?.(info);
    }
    const v = variable;
    const ws = rt.noGrad(() => rt.tidy(() => v.ws()));
    const wsHost = ws ? ((await ws.read()) as Float32Array) : null;
    if (ws && !v.params.includes(ws)) ws.dispose();
    const latent: ProjectionResult['latent'] = [];
    const names = space === 'w' || space === 'w+' ? [space] : G.layers.map((l) => l.name);
    for (const [k, p] of variable.params.entries()) latent.push({ name: names[k], shape: [...p.shape], data: (await p.read()) as Float32Array });
    const noise = new Map<string, Float32Array>();
    for (const [k, n] of noiseNames.entries()) noise.set(n.replace(/^synthesis\.|\.noise_const$/g, ''), (await noiseMaps[k].read()) as Float32Array);
    return { space, ws: wsHost, latent, noise, image: await renderNow(rt, variable), losses };
  } finally {
    for (const [n, t] of originals) G.params.set(n, t);
    for (const m of noiseMaps) m.dispose();
    opt?.dispose();
    variable?.dispose();
  }
}

async function renderNow(rt: Runtime, v: LatentVariable): Promise<Float32Array> {
  const img = rt.noGrad(() => rt.tidy(() => v.render(0, 0)));
  const data = (await img.read()) as Float32Array;
  img.dispose();
  return data;
}

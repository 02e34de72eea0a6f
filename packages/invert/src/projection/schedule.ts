/**
 * The per-step schedule of NVIDIA's stylegan2-ada-pytorch `projector.py`, as plain numbers.
 *
 * With t = step / numSteps:
 *   lr      = lr0 · ramp(t), ramp = cosine rampdown over the last `lrRampdown` of the run
 *             (0.5 − 0.5·cos(π·min(1, (1 − t)/lrRampdown))) times a linear rampup over the first `lrRampup`
 *   σ_noise = w_std · noiseFactor · max(0, 1 − t / noiseRamp)²   (the noise added to the latent this step)
 */
export interface ProjectorSchedule {
  /** Initial learning rate (0.1). */
  initialLearningRate: number;
  /** Fraction of the run over which the learning rate ramps down at the end (0.25). */
  lrRampdownLength: number;
  /** Fraction of the run over which it ramps up at the start (0.05). */
  lrRampupLength: number;
  /** Latent noise at step 0, in units of w_std (0.05). */
  initialNoiseFactor: number;
  /** Fraction of the run over which the latent noise falls to zero (0.75). */
  noiseRampLength: number;
}

export const NVIDIA_SCHEDULE: ProjectorSchedule = {
  initialLearningRate: 0.1,
  lrRampdownLength: 0.25,
  lrRampupLength: 0.05,
  initialNoiseFactor: 0.05,
  noiseRampLength: 0.75,
};

/** Learning rate at `step` of `numSteps`. */
export function learningRateAt(step: number, numSteps: number, s: ProjectorSchedule = NVIDIA_SCHEDULE): number {
  const t = step / numSteps;
  let ramp = Math.min(1, (1 - t) / s.lrRampdownLength);
  ramp = 0.5 - 0.5 * Math.cos(ramp * Math.PI);
  ramp *= Math.min(1, t / s.lrRampupLength);
  return s.initialLearningRate * ramp;
}

/** Standard deviation of the noise added to the latent at `step`, for a latent spread `latentStd`. */
export function latentNoiseAt(step: number, numSteps: number, latentStd: number, s: ProjectorSchedule = NVIDIA_SCHEDULE): number {
  const t = step / numSteps;
  return latentStd * s.initialNoiseFactor * Math.max(0, 1 - t / s.noiseRampLength) ** 2;
}

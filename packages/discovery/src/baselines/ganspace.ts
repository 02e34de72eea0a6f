/**
 * GANSpace (Härkönen et al. 2020) in W: PCA of w = mapping(z) over N seeded samples. Component k
 * is a unit direction; its step scale is the standard deviation of w along it, so α = ±1 walks one
 * σ (GANSpace's sliders are in σ units). In W+ GANSpace applies an edit to a range of layers only
 * (`layers: [start, end)`); the default is every layer.
 */
import { layerRangeWeights, type DirectionSet } from '../direction-set.js';
import { sampleWHost, seedRange, type LatentGenerator } from '../latent-generator.js';
import { pca } from './pca.js';

export interface GanSpaceOptions {
  /** w samples for the PCA (GANSpace uses 10⁶ in Z; 10⁴ in W is plenty for 512 dims). Default 10000. */
  samples?: number;
  /** Components kept. Default 10. */
  components?: number;
  /** First seed; samples use seeds [seed, seed + samples). Default 0. */
  seed?: number;
  /** W+ layers [start, end) every component is applied to. Default: all. */
  layers?: readonly [number, number];
  /** Mapping batch. Default 512. */
  batch?: number;
}

export interface GanSpaceResult extends DirectionSet {
  mean: Float64Array;
  variances: number[];
  /** Explained-variance ratio per component (also `scores`). */
  ratios: number[];
}

export async function ganspace(gen: LatentGenerator, opts: GanSpaceOptions = {}): Promise<GanSpaceResult> {
  const samples = opts.samples ?? 10000;
  const k = opts.components ?? 10;
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`ganspace: samples must be an integer ≥ 2, got ${samples}`);
  if (!Number.isInteger(k) || k < 1 || k > gen.wDim) throw new Error(`ganspace: components must be in 1..${gen.wDim} (w_dim), got ${k}`);
  const w = await sampleWHost(gen, seedRange(opts.seed ?? 0, samples), opts.batch ?? 512);
  return ganspaceFromSamples(w, samples, gen.wDim, gen.numWs, k, opts.layers);
}

/** GANSpace on w samples already on the CPU (samples×wDim row-major). */
export function ganspaceFromSamples(w: ArrayLike<number>, samples: number, wDim: number, numWs: number, k: number, layers?: readonly [number, number]): GanSpaceResult {
  const p = pca(w, samples, wDim, k);
  const [start, end] = layers ?? [0, numWs];
  const variances = [...p.variances];
  return {
    method: 'ganspace',
    wDim,
    numWs,
    count: k,
    vectors: p.components,
    layerWeights: layerRangeWeights(k, numWs, start, end),
    names: variances.map((_, i) => `pc${i}`),
    // A degenerate component (zero variance) still gets a usable unit step.
    stepScales: variances.map((v) => (v > 0 ? Math.sqrt(v) : 1)),
    scores: [...p.ratios],
    mean: p.mean,
    variances,
    ratios: [...p.ratios],
  };
}

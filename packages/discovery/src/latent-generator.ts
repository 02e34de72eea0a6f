/**
 * What discovery needs of a generator: w samples and a differentiable W+ → image map. StyleGAN2
 * (`styleGanLatents`) and the planted toy generator (toy/planted-generator.ts) both provide it,
 * so baselines, metrics and the navigator run unchanged on either.
 */
import { concat, reshape, slice, type Runtime, type Tensor } from '@stylegpu/kernels';
import { randomStateRandn, type Generator, type NoiseMode } from '@stylegpu/stylegan';

export interface LatentGenerator {
  readonly rt: Runtime;
  readonly wDim: number;
  /** Number of ws synthesis reads (1 for a generator without W+). */
  readonly numWs: number;
  /** w [N, wDim] of the given seeds (one w per seed, deterministic). */
  sampleW(seeds: readonly number[]): Tensor;
  /** ws [N, numWs, wDim] → images [N, C, R, R] in about [−1, 1], differentiable in ws. */
  synthesize(ws: Tensor): Tensor;
}

export interface StyleGanLatentOptions {
  /** Truncation ψ applied to sampled w (1: none). */
  truncationPsi?: number;
  noiseMode?: NoiseMode;
}

/** A StyleGAN2 generator as a `LatentGenerator`: seeds are NumPy RandomState seeds of z, as NVIDIA's scripts draw them. */
export function styleGanLatents(G: Generator, opts: StyleGanLatentOptions = {}): LatentGenerator {
  const psi = opts.truncationPsi ?? 1;
  const noiseMode = opts.noiseMode ?? 'const';
  if (G.config.cDim > 0) throw new Error('styleGanLatents: conditional generators are not supported by discovery (the generator has labels)');
  return {
    rt: G.rt,
    wDim: G.config.wDim,
    numWs: G.numWs,
    sampleW(seeds) {
      checkSeeds(seeds, 'styleGanLatents.sampleW');
      const zDim = G.config.zDim;
      const z = new Float32Array(seeds.length * zDim);
      seeds.forEach((s, i) => z.set(randomStateRandn(s, zDim), i * zDim));
      return G.rt.tidy(() => {
        const ws = G.mapping(G.rt.tensor(z, [seeds.length, zDim]), { truncationPsi: psi });
        return reshape(slice(ws, [null, [0, 1]]), [seeds.length, G.config.wDim]);
      });
    },
    synthesize(ws) {
      return G.synthesis(ws, { noiseMode });
    },
  };
}

export function checkSeeds(seeds: readonly number[], where: string): void {
  if (seeds.length === 0) throw new Error(`${where}: no seeds given`);
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new Error(`${where}: seed ${s} is not an integer in [0, 2³²)`);
  }
}

/** Seeds [start, start + n). */
export function seedRange(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** w samples of many seeds read to the CPU in batches (float64 rows of wDim). */
export async function sampleWHost(gen: LatentGenerator, seeds: readonly number[], batch = 512): Promise<Float64Array> {
  const out = new Float64Array(seeds.length * gen.wDim);
  for (let i = 0; i < seeds.length; i += batch) {
    const part = seeds.slice(i, i + batch);
    const w = gen.sampleW(part);
    try {
      out.set(await w.read(), i * gen.wDim);
    } finally {
      w.dispose();
    }
  }
  return out;
}

/** Concatenates image batches along N (for callers that synthesise in chunks). */
export function concatImages(parts: Tensor[]): Tensor {
  return parts.length === 1 ? parts[0] : concat(parts, 0);
}

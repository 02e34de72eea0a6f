/**
 * Renders a projection result (its latent and its noise maps) through a generator — the one it was projected
 * with, or another of the same architecture (image-to-image translation). Latents may be blended first
 * (`lerpLatent`), which is how inversions are interpolated.
 */
import { type Runtime, type Tensor, expand } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { OverparamSynthesis } from '../overparam/overparam-synthesis.js';
import type { ProjectionResult } from './project.js';

export type ProjectedLatent = Pick<ProjectionResult, 'space' | 'latent' | 'noise'>;

/** (1 − t)·a + t·b for every latent tensor and noise map of two results in the same space. */
export function lerpLatent(a: ProjectedLatent, b: ProjectedLatent, t: number): ProjectedLatent {
  if (a.space !== b.space || a.latent.length !== b.latent.length) throw new Error(`lerpLatent: latents of spaces ${a.space} and ${b.space} cannot be blended`);
  const mix = (x: Float32Array, y: Float32Array) => x.map((v, i) => (1 - t) * v + t * y[i]);
  return {
    space: a.space,
    latent: a.latent.map((l, k) => ({ ...l, data: mix(l.data, b.latent[k].data) })),
    noise: new Map([...a.noise].map(([n, v]) => [n, b.noise.has(n) ? mix(v, b.noise.get(n)!) : v])),
  };
}

/** Checks that G can take this latent (same layer names and shapes), naming the first mismatch. */
export function checkLatentFits(G: Generator, r: ProjectedLatent, what = 'the latent'): void {
  const { wDim } = G.config;
  const want: Array<[string, number[]]> =
    r.space === 'w'
      ? [['w', [1, 1, wDim]]]
      : r.space === 'w+'
        ? [['w+', [1, G.numWs, wDim]]]
        : G.layers.map((l) => {
            if (r.space === 's') return [l.name, [1, l.inChannels]];
            return [l.name, new OverparamSynthesis(G, r.space === 'overparam' ? 'channel' : 'spatial').latentShape(l, 1)];
          });
  if (want.length !== r.latent.length) throw new Error(`${what} (${r.space}) has ${r.latent.length} tensors; this generator takes ${want.length} — it has another architecture`);
  want.forEach(([name, shape], k) => {
    const got = r.latent[k];
    if (got.name !== name || got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${what} (${r.space}): ${got.name} is [${got.shape.join(', ')}], this generator's ${name} takes [${shape.join(', ')}] — it has another architecture`);
    }
  });
}

/** The image [1, C, R, R] of a latent, with its noise maps in place of G's noise_const for the call. */
export function renderLatent(rt: Runtime, G: Generator, r: ProjectedLatent): Tensor {
  checkLatentFits(G, r);
  const swapped = new Map<string, Tensor>();
  const made: Tensor[] = [];
  try {
    for (const [layer, data] of r.noise) {
      const name = `synthesis.${layer}.noise_const`;
      const own = G.params.get(name);
      if (!own) throw new Error(`renderLatent: the generator has no noise map ${name}`);
      const t = rt.tensor(data, own.shape);
      made.push(t);
      swapped.set(name, own);
      G.params.set(name, t);
    }
    return rt.noGrad(() =>
      rt.tidy(() => {
        const ts = r.latent.map((l) => rt.tensor(l.data, l.shape));
        const { wDim } = G.config;
        if (r.space === 'w') return G.synthesis(expand(ts[0], [1, G.numWs, wDim]), { noiseMode: 'const' });
        if (r.space === 'w+') return G.synthesis(ts[0], { noiseMode: 'const' });
        const byLayer = new Map(r.latent.map((l, k) => [l.name, ts[k]]));
        if (r.space === 's') return G.synthesisFromStyles(byLayer, { noiseMode: 'const' });
        return new OverparamSynthesis(G, r.space === 'overparam' ? 'channel' : 'spatial').synthesize(byLayer, { noiseMode: 'const' });
      }),
    );
  } finally {
    for (const [n, t] of swapped) G.params.set(n, t);
    for (const t of made) t.dispose();
  }
}


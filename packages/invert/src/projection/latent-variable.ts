/**
 * The four spaces a projection optimises, each as an object that owns its trainable tensors, starts where
 * `projector.py` starts (w_avg), adds the projector's per-step latent noise (σ in units of the space's spread:
 * w_std for latents in W, the per-layer style spread in S) and renders an image with the generator:
 *
 *   w          one w [1, 1, w_dim], broadcast to every layer (NVIDIA's projector)
 *   w+         one w per layer [1, num_ws, w_dim]
 *   s          StyleSpace: every layer's style vector (affine output) [1, C_in], optimised directly
 *   overparam  a w per output channel of every layer [1, O_l, w_dim] (OverparamSynthesis 'channel')
 *   overparam-spatial  a w per input pixel of every layer [1, w_dim, H_l, W_l] (OverparamSynthesis 'spatial')
 */
import { type Runtime, type Tensor, add, expand, mulScalar, randomNormal, reshape } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { OverparamSynthesis } from '../overparam/overparam-synthesis.js';
import type { LatentStats } from './latent-stats.js';

export const PROJECTION_SPACES = ['w', 'w+', 's', 'overparam', 'overparam-spatial'] as const;
export type ProjectionSpace = (typeof PROJECTION_SPACES)[number];

export interface LatentVariable {
  readonly space: ProjectionSpace;
  /** Trainable tensors, in a fixed order (W, W+: one; S, overparam: one per layer, in layer order). */
  readonly params: readonly Tensor[];
  /** The image for the current latent plus N(0, σ²·spread²) noise (σ = 0: none), const noise maps. */
  render(sigma: number, seed: number): Tensor;
  /** ws [1, num_ws, w_dim] for W and W+ (what `projected_w.npz` holds); null in the other spaces. */
  ws(): Tensor | null;
  dispose(): void;
}

export function createLatentVariable(rt: Runtime, G: Generator, space: ProjectionSpace, stats: LatentStats): LatentVariable {
  const { wDim } = G.config;
  const wAvg = stats.wAvg;
  const trainable = (t: Tensor): Tensor => {
    const p = rt.keep(t);
    p.requiresGrad = true;
    return p;
  };
  const noisy = (p: Tensor, sigma: number, seed: number, offset: number): Tensor =>
    sigma > 0 ? add(p, mulScalar(randomNormal(rt, p.shape, { seed, offset }), sigma)) : p;

  if (space === 'w' || space === 'w+') {
    const rows = space === 'w' ? 1 : G.numWs;
    const init = new Float32Array(rows * wDim);
    for (let r = 0; r < rows; r++) init.set(wAvg, r * wDim);
    const w = trainable(rt.tensor(init, [1, rows, wDim]));
    const ws = (sigma: number, seed: number) => {
      const v = noisy(w, sigma * stats.wStd, seed, 0);
      return rows === 1 ? expand(v, [1, G.numWs, wDim]) : v;
    };
    return {
      space,
      params: [w],
      render: (sigma, seed) => G.synthesis(ws(sigma, seed), { noiseMode: 'const' }),
      ws: () => ws(0, 0),
      dispose: () => w.dispose(),
    };
  }

  if (space === 's') {
    const start = rt.noGrad(() =>
      rt.tidy(() => [...G.styles(expand(reshape(rt.tensor(wAvg, [1, wDim]), [1, 1, wDim]), [1, G.numWs, wDim]))]),
    );
    const styles = start.map(([name, t]) => [name, trainable(t)] as const);
    return {
      space,
      params: styles.map(([, t]) => t),
      render: (sigma, seed) =>
        G.synthesisFromStyles(
          new Map(styles.map(([name, t], k) => [name, noisy(t, sigma * (stats.styleStd.get(name) ?? 0), seed, k * 0x1000000)])),
          { noiseMode: 'const' },
        ),
      ws: () => null,
      dispose: () => styles.forEach(([, t]) => t.dispose()),
    };
  }

  const synth = new OverparamSynthesis(G, space === 'overparam' ? 'channel' : 'spatial');
  const start = rt.noGrad(() =>
    rt.tidy(() => {
      const ws = expand(reshape(rt.tensor(wAvg, [1, wDim]), [1, 1, wDim]), [1, G.numWs, wDim]);
      // Materialise each layer's broadcast (expand is a view; a parameter must own its storage).
      return [...synth.fromWs(ws)].map(([name, t]) => [name, add(t, rt.tensor([0], [1]))] as const);
    }),
  );
  const latent = start.map(([name, t]) => [name, trainable(t)] as const);
  return {
    space,
    params: latent.map(([, t]) => t),
    render: (sigma, seed) =>
      synth.synthesize(new Map(latent.map(([name, t], k) => [name, noisy(t, sigma * stats.wStd, seed, k * 0x1000000)])), { noiseMode: 'const' }),
    ws: () => null,
    dispose: () => latent.forEach(([, t]) => t.dispose()),
  };
}

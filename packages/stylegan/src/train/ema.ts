/**
 * The generator's exponential moving average (G_ema), as NVIDIA's training loop keeps it: after
 * every iteration each parameter becomes lerp(p, p_ema, β) = p + β·(p_ema − p) and every buffer
 * (w_avg, the constant noise maps) is copied, with
 *
 *   β = 0.5 ^ (batch / max(ema_nimg, 1e-8)),  ema_nimg = ema_kimg·1000, or
 *   min(ema_nimg, cur_nimg·ema_rampup) with a ramp-up (cur_nimg: images shown before this update)
 *
 * so the EMA has a half-life of ema_kimg thousand images.
 */
import { type Tensor, lerp } from '@stylegpu/kernels';
import type { Generator } from '../model/generator.js';
import { isGeneratorBuffer } from './parameter-groups.js';

export function emaBeta(batch: number, emaKimg: number, curNimg: number, rampup: number | null = null): number {
  let emaNimg = emaKimg * 1000;
  if (rampup !== null) emaNimg = Math.min(emaNimg, curNimg * rampup);
  return 0.5 ** (batch / Math.max(emaNimg, 1e-8));
}

/** G_ema ← lerp(G, G_ema, β) for parameters, G_ema ← G for buffers; in place on G_ema's tensors. */
export function updateEma(Gema: Generator, G: Generator, beta: number): void {
  const rt = G.rt;
  rt.tidy(() =>
    rt.noGrad(() => {
      const b = rt.tensor([beta], [1]);
      for (const [name, p] of G.params) {
        const e = Gema.params.get(name);
        if (!e) throw new Error(`updateEma: G_ema has no '${name}' (the two generators must share a config)`);
        if (isGeneratorBuffer(name)) rt.copy(p, e);
        else {
          const next: Tensor = lerp(p, e, b);
          rt.copy(next, e);
        }
      }
    }),
  );
}

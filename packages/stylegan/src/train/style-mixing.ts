/**
 * Style-mixing regularisation as NVIDIA's `StyleGAN2Loss.run_G` does it: with probability p
 * (0.9 in every StyleGAN2 config) a cutoff layer is drawn uniformly from [1, num_ws) — one for
 * the whole batch — and ws[:, cutoff:] is replaced by the ws of a second, independent z (whose
 * mapping does not update w_avg). Otherwise the cutoff is num_ws: no mixing.
 */
import { type Tensor, concat, slice } from '@stylegpu/kernels';

/**
 * The cutoff from two uniforms in [0, 1): `uCutoff` picks the layer, `uApply` decides whether to
 * mix at all. Returns numWs for "no mixing".
 */
export function mixingCutoff(numWs: number, prob: number, uCutoff: number, uApply: number): number {
  if (!(prob >= 0 && prob <= 1)) throw new Error(`style mixing: probability must be in [0, 1], got ${prob}`);
  if (numWs < 2) return numWs;
  const cutoff = 1 + Math.min(numWs - 2, Math.floor(uCutoff * (numWs - 1)));
  return uApply < prob ? cutoff : numWs;
}

/** ws [N, numWs, wDim] with layers cutoff… taken from `other` (same shape). */
export function mixStyles(ws: Tensor, other: Tensor, cutoff: number): Tensor {
  const numWs = ws.shape[1];
  if (other.rank !== 3 || other.shape.some((d, i) => d !== ws.shape[i])) {
    throw new Error(`mixStyles: ws [${ws.shape.join(', ')}] and the mixing ws [${other.shape.join(', ')}] must have one shape`);
  }
  if (!Number.isInteger(cutoff) || cutoff < 0 || cutoff > numWs) throw new Error(`mixStyles: cutoff ${cutoff} outside [0, ${numWs}]`);
  if (cutoff === numWs) return ws;
  if (cutoff === 0) return other;
  return concat([slice(ws, [null, [0, cutoff]]), slice(other, [null, [cutoff, numWs]])], 1);
}

/**
 * Images with StyleDomain directions applied (all notebooks edit the S-code list):
 *
 *   apply      s'_l = A_l(w_l) + α·Δ_l
 *   stack      several directions one after another, s' = s + α_1·Δ_1 + α_2·Δ_2 + …, added in order
 *              (`multiple_morphing.ipynb`)
 *   transfer   the same, on another fine-tuned generator's styles (`adaptation_in_finetuned_gan`):
 *              pass that generator; the direction only needs the same conv layout
 *   morph      generator weights interpolated α·W_1 + (1 − α)·W_2 over every tensor (`morph_g_ema`),
 *              with directions applied on top (`combined_morphing.ipynb`)
 */
import { lerp, reshape, type Runtime, type Tensor } from '@stylegpu/kernels';
import type { Generator, StyleSpace } from '@stylegpu/stylegan';
import { offsetStyles } from '../parameterisations/style-delta.js';
import { withParamOverrides } from '../parameterisations/param-overrides.js';
import { type StyleDirection, checkDirection } from './style-direction.js';

export interface DirectionTerm {
  direction: StyleDirection;
  /** α (StyleDomain's offset power; 0.6–0.95 in the notebooks). */
  power: number;
}

/** Styles of `ws` under `g` with each term added in order. */
export function directedStyles(g: Generator, ws: Tensor, terms: readonly DirectionTerm[]): StyleSpace {
  const rt = g.rt;
  for (const [i, t] of terms.entries()) {
    checkDirection(t.direction, g, `direction ${i + 1}`);
    if (!Number.isFinite(t.power)) throw new Error(`direction ${i + 1}: power ${t.power} is not a finite number`);
  }
  let styles = g.styles(ws);
  for (const t of terms) {
    const offsets = new Map([...t.direction].map(([k, v]) => [k, rt.tensor(v, [1, v.length])]));
    styles = offsetStyles(styles, offsets, t.power);
  }
  return styles;
}

/** ws → images of `g` with the directions applied (no gradient). */
export function renderWithDirections(g: Generator, ws: Tensor, terms: readonly DirectionTerm[]): Tensor {
  return g.rt.noGrad(() => g.synthesisFromStyles(directedStyles(g, ws, terms)));
}

/** Every tensor of `a` and `b` interpolated as α·a + (1 − α)·b (the two must share one configuration). */
export function morphedWeights(rt: Runtime, a: Generator, b: Generator, alpha: number): Map<string, Tensor> {
  if (!Number.isFinite(alpha)) throw new Error(`morph: α ${alpha} is not a finite number`);
  const out = new Map<string, Tensor>();
  for (const [name, ta] of a.params) {
    const tb = b.params.get(name);
    if (!tb || tb.shape.some((d, i) => d !== ta.shape[i]) || tb.rank !== ta.rank) {
      throw new Error(`morph: the generators differ at '${name}' ([${ta.shape.join(', ')}] vs ${tb ? `[${tb.shape.join(', ')}]` : 'missing'}); morph generators fine-tuned from one model`);
    }
    // lerp(b, a, α) = b + α·(a − b)
    out.set(name, reshape(lerp(tb, ta, rt.tensor([alpha], [1])), ta.shape)); // (scalars come back [1])
  }
  return out;
}

/** Images of the morphed generator α·a + (1 − α)·b at ws, with the directions applied. */
export function renderMorph(a: Generator, b: Generator, alpha: number, ws: Tensor, terms: readonly DirectionTerm[] = []): Tensor {
  const rt = a.rt;
  return rt.noGrad(() => withParamOverrides(a, morphedWeights(rt, a, b, alpha), () => a.synthesisFromStyles(directedStyles(a, ws, terms))));
}

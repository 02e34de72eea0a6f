/**
 * A StyleDomain direction on the host: per conv layer (StyleSpace key, ToRGB excluded) one offset
 * vector Δ_l of C_in numbers. Directions are small (6048 numbers at 1024 px), so their algebra —
 * scaling, mixing, sparsifying — runs on the CPU in float64 and rounds once to float32.
 *
 *   mix        Σ_k c_k·Δ_k                      (StyleEditor `__mul__` / `__add__`)
 *   sparsify   zero the ⌊p·N⌋ entries of least |Δ| over the whole direction
 *              (`SparsedModel.pruned_offsets(perc)`; the notebooks use p = 0.7 … 0.95)
 */
import { type GeneratorConfig, type SynthesisLayerInfo, synthesisLayers } from '@stylegpu/stylegan';

/** What direction checks need of a generator: a Generator, or `generatorLayout(config)` before any GPU work. */
export interface GeneratorLayout {
  readonly layers: readonly SynthesisLayerInfo[];
  readonly config: GeneratorConfig;
}

export function generatorLayout(config: GeneratorConfig): GeneratorLayout {
  return { layers: synthesisLayers(config), config };
}

export type StyleDirection = Map<string, Float32Array>;

/** The conv layers a direction for `g` has, with their widths, in head order. */
export function directionLayout(g: GeneratorLayout): Array<[string, number]> {
  return g.layers.filter((l) => l.kind !== 'torgb').map((l) => [l.name, l.inChannels]);
}

/** Throws unless `d` has exactly `g`'s conv layers and widths (a direction from another architecture). */
export function checkDirection(d: StyleDirection, g: GeneratorLayout, what = 'direction'): void {
  const layout = directionLayout(g);
  const want = new Map(layout);
  for (const [k, v] of d) {
    const n = want.get(k);
    if (n === undefined) throw new Error(`${what}: layer '${k}' is not a conv layer of this ${g.config.imgResolution}-px generator (it has ${layout.map(([l]) => l).join(', ')})`);
    if (v.length !== n) throw new Error(`${what}: layer ${k} has ${v.length} offsets; this generator's ${k} has ${n} style channels`);
  }
  for (const [k] of layout) if (!d.has(k)) throw new Error(`${what}: no offsets for layer ${k} (a direction for a smaller generator?)`);
}

export function zeroDirection(g: GeneratorLayout): StyleDirection {
  return new Map(directionLayout(g).map(([k, n]) => [k, new Float32Array(n)]));
}

function sameLayout(ds: readonly StyleDirection[], op: string): void {
  const [first, ...rest] = ds;
  for (const [i, d] of rest.entries()) {
    const keys = [...first.keys()];
    if (d.size !== first.size || keys.some((k) => d.get(k)?.length !== first.get(k)!.length)) {
      throw new Error(`${op}: direction ${i + 2} has another layout than direction 1 (layers ${[...d.keys()].join(', ')} vs ${keys.join(', ')})`);
    }
  }
}

/** Σ_k c_k·Δ_k (float64 accumulation, one rounding). */
export function mixDirections(terms: ReadonlyArray<{ direction: StyleDirection; weight: number }>): StyleDirection {
  if (!terms.length) throw new Error('mixDirections: no directions given');
  for (const t of terms) if (!Number.isFinite(t.weight)) throw new Error(`mixDirections: weight ${t.weight} is not a finite number`);
  sameLayout(
    terms.map((t) => t.direction),
    'mixDirections',
  );
  const out: StyleDirection = new Map();
  for (const [k, v0] of terms[0].direction) {
    const acc = new Float64Array(v0.length);
    for (const t of terms) {
      const v = t.direction.get(k)!;
      for (let i = 0; i < acc.length; i++) acc[i] += t.weight * v[i];
    }
    out.set(k, Float32Array.from(acc));
  }
  return out;
}

export function scaleDirection(d: StyleDirection, power: number): StyleDirection {
  return mixDirections([{ direction: d, weight: power }]);
}

export function directionSize(d: StyleDirection): number {
  let n = 0;
  for (const v of d.values()) n += v.length;
  return n;
}

/** Zeroes the ⌊fraction·N⌋ entries of smallest magnitude (ties: earlier layer/channel first). */
export function sparsifyDirection(d: StyleDirection, fraction: number): StyleDirection {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`sparsifyDirection: the fraction to zero must be in [0, 1], got ${fraction}`);
  const flat: Array<[number, string, number]> = [];
  for (const [k, v] of d) v.forEach((x, i) => flat.push([Math.abs(x), k, i]));
  const order = flat.map((_, i) => i).sort((a, b) => flat[a][0] - flat[b][0] || a - b);
  const out: StyleDirection = new Map([...d].map(([k, v]) => [k, Float32Array.from(v)]));
  const k = Math.floor(fraction * flat.length);
  for (let j = 0; j < k; j++) {
    const [, layer, i] = flat[order[j]];
    out.get(layer)![i] = 0;
  }
  return out;
}

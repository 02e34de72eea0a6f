/**
 * Scores of a direction × factor effect matrix E (D directions, F factors, E[d, f] ≥ 0 the mean
 * change of factor f when walking direction d, in units of the factor's spread; see
 * ./factor-effects.ts). Exact formulas:
 *
 *   row total      r_d = Σ_f E[d, f],                          total T = Σ_d r_d
 *   gap            g_d = (E[d, (1)] − E[d, (2)]) / E[d, (1)]   (1), (2): the largest and second-largest entries
 *                  of row d; g_d = 1 when F = 1; g_d = 0 when r_d = 0. A MIG-style gap, normalised by the top
 *                  effect so it lies in [0, 1]: 1 when d changes one factor only, 0 when two change equally.
 *   disentanglement  Dis = Σ_d (r_d / T) · g_d                 (directions weighted by how much they do, as DCI)
 *   completeness   c_f = 1 − H(q_f) / ln D,  q_f[d] = E[d, f] / Σ_d E[d, f]   (DCI completeness; c_f = 1 when D = 1,
 *                  0 when the column is all zero): 1 when one direction alone carries factor f.
 *                  Com = Σ_f (Σ_d E[d, f] / T) · c_f
 *   discovered     factor f is discovered when some direction d has f as its largest entry
 *                  (E[d, f] = E[d, (1)]), E[d, f] ≥ effectThreshold, and g_d ≥ gapThreshold;
 *                  `discovered` counts such factors (each at most once).
 *
 * All zero: Dis = Com = 0 and nothing is discovered.
 */

export interface DisentanglementOptions {
  /** Smallest effect (in factor spreads) that counts as moving a factor. Default 0.5. */
  effectThreshold?: number;
  /** Smallest normalised gap that counts as disentangled. Default 0.5. */
  gapThreshold?: number;
}

export interface DisentanglementScores {
  /** g_d per direction. */
  gaps: number[];
  /** The factor each direction moves most (−1 for a direction that moves nothing). */
  topFactor: number[];
  disentanglement: number;
  /** c_f per factor. */
  completenessPerFactor: number[];
  completeness: number;
  discovered: number;
  /** For each factor, the direction that discovers it (largest effect among qualifying ones), or −1. */
  discoveredBy: number[];
}

export function disentanglementScores(effects: ArrayLike<number>, D: number, F: number, opts: DisentanglementOptions = {}): DisentanglementScores {
  if (!Number.isInteger(D) || D < 1 || !Number.isInteger(F) || F < 1 || effects.length !== D * F) {
    throw new Error(`disentanglementScores: expected a ${D}×${F} effect matrix (${D * F} values), got ${effects.length} values`);
  }
  for (let i = 0; i < effects.length; i++) {
    if (!(effects[i] >= 0) || !Number.isFinite(effects[i])) {
      throw new Error(`disentanglementScores: effect [${Math.floor(i / F)}, ${i % F}] is ${effects[i]}; effects must be finite and ≥ 0`);
    }
  }
  const effectThreshold = opts.effectThreshold ?? 0.5;
  const gapThreshold = opts.gapThreshold ?? 0.5;
  const e = (d: number, f: number) => effects[d * F + f];
  let total = 0;
  const rows = Array.from({ length: D }, (_, d) => {
    let s = 0;
    for (let f = 0; f < F; f++) s += e(d, f);
    total += s;
    return s;
  });
  const gaps: number[] = [];
  const topFactor: number[] = [];
  for (let d = 0; d < D; d++) {
    let first = -1;
    for (let f = 0; f < F; f++) if (first < 0 || e(d, f) > e(d, first)) first = f;
    if (rows[d] === 0) {
      gaps.push(0);
      topFactor.push(-1);
      continue;
    }
    let second = 0;
    for (let f = 0; f < F; f++) if (f !== first) second = Math.max(second, e(d, f));
    gaps.push(F === 1 ? 1 : (e(d, first) - second) / e(d, first));
    topFactor.push(first);
  }
  const disentanglement = total > 0 ? rows.reduce((s, r, d) => s + (r / total) * gaps[d], 0) : 0;
  const completenessPerFactor: number[] = [];
  let completeness = 0;
  for (let f = 0; f < F; f++) {
    let col = 0;
    for (let d = 0; d < D; d++) col += e(d, f);
    let c = 0;
    if (col > 0) {
      if (D === 1) c = 1;
      else {
        let h = 0;
        for (let d = 0; d < D; d++) {
          const q = e(d, f) / col;
          if (q > 0) h -= q * Math.log(q);
        }
        c = 1 - h / Math.log(D);
      }
    }
    completenessPerFactor.push(c);
    if (total > 0) completeness += (col / total) * c;
  }
  const discoveredBy = Array.from({ length: F }, () => -1);
  for (let d = 0; d < D; d++) {
    const f = topFactor[d];
    if (f < 0 || e(d, f) < effectThreshold || gaps[d] < gapThreshold) continue;
    if (discoveredBy[f] < 0 || e(d, f) > e(discoveredBy[f], f)) discoveredBy[f] = d;
  }
  return {
    gaps,
    topFactor,
    disentanglement,
    completenessPerFactor,
    completeness,
    discovered: discoveredBy.filter((d) => d >= 0).length,
    discoveredBy,
  };
}

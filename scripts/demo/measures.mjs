// The numbers the demo prints, computed on the CPU from what the models read back: CLIP similarity
// gaps, predicted-colour statistics, the spread of w along a direction, and which factor a direction
// moves most. Pure functions of arrays, so they are tested without a GPU (measures.test.mjs).
import { hueName } from '@stylegpu/world';

function unitRows(features, dim, what) {
  if (!Number.isInteger(dim) || dim < 1 || features.length === 0 || features.length % dim !== 0) {
    throw new Error(`${what}: ${features.length} values are not rows of ${dim}`);
  }
  const rows = [];
  for (let r = 0; r < features.length / dim; r++) {
    let n2 = 0;
    for (let i = 0; i < dim; i++) n2 += features[r * dim + i] ** 2;
    const n = Math.sqrt(n2);
    if (!(n > 0)) throw new Error(`${what}: row ${r} has norm ${n}`);
    rows.push(Float64Array.from({ length: dim }, (_, i) => features[r * dim + i] / n));
  }
  return rows;
}

/**
 * Mean over images of cos(image, target text) − cos(image, source text): how much more the CLIP
 * model sees the target than the source in a set of images ([N·D] image features, [D] texts).
 */
export function clipScoreGap(imageFeatures, targetText, sourceText, dim) {
  const images = unitRows(imageFeatures, dim, 'clipScoreGap image features');
  const [t] = unitRows(targetText, dim, 'clipScoreGap target text');
  const [s] = unitRows(sourceText, dim, 'clipScoreGap source text');
  let sum = 0;
  for (const img of images) {
    let dt = 0;
    let ds = 0;
    for (let i = 0; i < dim; i++) {
      dt += img[i] * t[i];
      ds += img[i] * s[i];
    }
    sum += dt - ds;
  }
  return sum / images.length;
}

/** Hues in turns → their circular mean in [0, 1) and the share of each colour name in `names`. */
export function hueSummary(hues, names) {
  if (hues.length === 0) throw new Error('hueSummary: no hues');
  let s = 0;
  let c = 0;
  for (const h of hues) {
    s += Math.sin(2 * Math.PI * h);
    c += Math.cos(2 * Math.PI * h);
  }
  const mean = Math.atan2(s, c) / (2 * Math.PI);
  const share = Object.fromEntries(names.map((n) => [n, hues.filter((h) => hueName(h) === n).length / hues.length]));
  return { meanHue: mean < 0 ? mean + 1 : mean, share };
}

/** Standard deviation of w along each unit direction: w rows [n·D], directions [k·D] → k numbers. */
export function spreadAlong(wRows, directions, dim) {
  const n = wRows.length / dim;
  const k = directions.length / dim;
  if (!Number.isInteger(n) || n < 2 || !Number.isInteger(k) || k < 1) {
    throw new Error(`spreadAlong: need at least 2 w rows and 1 direction of ${dim} values, got ${wRows.length} and ${directions.length} values`);
  }
  const out = [];
  for (let d = 0; d < k; d++) {
    const p = Array.from({ length: n }, (_, r) => {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += wRows[r * dim + i] * directions[d * dim + i];
      return dot;
    });
    const mean = p.reduce((a, x) => a + x, 0) / n;
    out.push(Math.sqrt(p.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)));
  }
  return out;
}

/** Per direction of a D×F effect matrix (row-major): the factor it moves most and the runner-up. */
export function strongestFactors(effects, directions, factors, factorNames) {
  if (effects.length !== directions * factors || factorNames.length !== factors) {
    throw new Error(`strongestFactors: ${effects.length} effects and ${factorNames.length} names for ${directions}×${factors}`);
  }
  return Array.from({ length: directions }, (_, d) => {
    const row = Array.from({ length: factors }, (_, f) => ({ factor: factorNames[f], effect: effects[d * factors + f] }));
    row.sort((a, b) => b.effect - a.effect);
    return { top: row[0], next: row[1] ?? null };
  });
}

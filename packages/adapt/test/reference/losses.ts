/** Float64 references of the NADA CLIP losses, written from the official formulas (see each source file). */

export type Matrix = Float64Array[];

export function rows(data: Float64Array, n: number, d: number): Matrix {
  return Array.from({ length: n }, (_, i) => data.subarray(i * d, (i + 1) * d));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function normalize(v: ArrayLike<number>): Float64Array {
  const n = Math.sqrt(dot(v, v));
  return Float64Array.from(v, (x) => x / n);
}

function meanRows(m: Matrix): Float64Array {
  const out = new Float64Array(m[0].length);
  for (const r of m) for (let j = 0; j < r.length; j++) out[j] += r[j] / m.length;
  return out;
}

function subv(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);
}

/** compute_text_direction: normalize(mean_t(normalize(tgt_t) − normalize(src_t))). */
export function textDirectionRef(src: Matrix, tgt: Matrix): Float64Array {
  return normalize(meanRows(src.map((s, t) => subv(normalize(tgt[t]), normalize(s)))));
}

/** set_text_features: normalize(mean_t normalize(e_t)). */
export function classEmbeddingRef(m: Matrix): Float64Array {
  return normalize(meanRows(m.map(normalize)));
}

/** clip_directional_loss (nudge: the embeddings used when the direction sums to zero). */
export function directionalRef(src: Matrix, tgt: Matrix, dir: Matrix, nudged?: Matrix): number {
  let edits = src.map((s, b) => subv(normalize(tgt[b]), normalize(s)));
  if (nudged && edits.reduce((acc, e) => acc + e.reduce((x, y) => x + y, 0), 0) === 0) {
    edits = src.map((s, b) => subv(normalize(nudged[b]), normalize(s)));
  }
  let total = 0;
  edits.forEach((e, b) => {
    const d = dir.length === 1 ? dir[0] : dir[b];
    total += 1 - dot(normalize(e), normalize(d));
  });
  return total / src.length;
}

/** global_clip_loss: mean over [B, T] of 1 − scale·cos/100. */
export function globalRef(img: Matrix, txt: Matrix, logitScale = 100): number {
  let total = 0;
  for (const i of img) for (const t of txt) total += 1 - (logitScale * dot(normalize(i), normalize(t))) / 100;
  return total / (img.length * txt.length);
}

/** clip_angle_loss: mean_b |clamp(cos(tgt_b, src_b)) − cos(tgtClass, srcClass)|. */
export function manifoldRef(src: Matrix, tgt: Matrix, srcClass: Float64Array, tgtClass: Float64Array): number {
  const cText = dot(normalize(tgtClass), normalize(srcClass));
  let total = 0;
  src.forEach((s, b) => {
    const c = Math.min(1, Math.max(-1, dot(normalize(tgt[b]), normalize(s))));
    total += Math.abs(c - cText);
  });
  return total / src.length;
}

/** compute_img2img_direction: normalize(mean normalize(tgt) − mean normalize(src)). */
export function imageDirectionRef(src: Matrix, tgt: Matrix): Float64Array {
  return normalize(subv(meanRows(tgt.map(normalize)), meanRows(src.map(normalize))));
}

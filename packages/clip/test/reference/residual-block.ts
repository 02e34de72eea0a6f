/**
 * Float64 reference of one CLIP ResidualAttentionBlock on a batch x [N, L, d] (clip/model.py, with
 * nn.MultiheadAttention's packed in_proj), for both activations: QuickGELU and erf GELU.
 */
export interface BlockParams {
  ln1w: Float64Array; ln1b: Float64Array;
  inW: Float64Array; inB: Float64Array; outW: Float64Array; outB: Float64Array;
  ln2w: Float64Array; ln2b: Float64Array;
  fcW: Float64Array; fcB: Float64Array; projW: Float64Array; projB: Float64Array;
}

/** erf by its Maclaurin series / continued fraction is overkill here: |x| ≤ ~6 and 30 series terms give 1e-16. */
export function erf(x: number): number {
  if (Math.abs(x) > 5.5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const act = (v: number, gelu: boolean) => (gelu ? 0.5 * v * (1 + erf(v / Math.SQRT2)) : v / (1 + Math.exp(-1.702 * v)));

function layerNorm(x: Float64Array, rows: number, d: number, g: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < d; i++) m += x[r * d + i] / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i] - m) ** 2 / d;
    const s = 1 / Math.sqrt(v + 1e-5);
    for (let i = 0; i < d; i++) y[r * d + i] = (x[r * d + i] - m) * s * g[i] + b[i];
  }
  return y;
}

function linear(x: Float64Array, rows: number, n: number, w: Float64Array, m: number, b: Float64Array): Float64Array {
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) for (let o = 0; o < m; o++) {
    let s = b[o];
    for (let i = 0; i < n; i++) s += x[r * n + i] * w[o * n + i];
    y[r * m + o] = s;
  }
  return y;
}

export function residualBlockRef(x: Float64Array, N: number, L: number, d: number, heads: number, mlp: number, p: BlockParams, causal: boolean, gelu: boolean): Float64Array {
  const rows = N * L;
  const hd = d / heads;
  const qkv = linear(layerNorm(x, rows, d, p.ln1w, p.ln1b), rows, d, p.inW, 3 * d, p.inB);
  const att = new Float64Array(rows * d);
  for (let n = 0; n < N; n++) for (let h = 0; h < heads; h++) for (let i = 0; i < L; i++) {
    const keys = causal ? i + 1 : L;
    const s = new Float64Array(keys);
    let mx = -Infinity;
    for (let j = 0; j < keys; j++) {
      let t = 0;
      for (let c = 0; c < hd; c++) t += qkv[(n * L + i) * 3 * d + h * hd + c] * qkv[(n * L + j) * 3 * d + d + h * hd + c];
      s[j] = t / Math.sqrt(hd);
      mx = Math.max(mx, s[j]);
    }
    let z = 0;
    for (let j = 0; j < keys; j++) z += s[j] = Math.exp(s[j] - mx);
    for (let c = 0; c < hd; c++) {
      let t = 0;
      for (let j = 0; j < keys; j++) t += s[j] * qkv[(n * L + j) * 3 * d + 2 * d + h * hd + c];
      att[(n * L + i) * d + h * hd + c] = t / z;
    }
  }
  const o = linear(att, rows, d, p.outW, d, p.outB);
  const x1 = x.map((v, i) => v + o[i]);
  const hidden = linear(layerNorm(x1, rows, d, p.ln2w, p.ln2b), rows, d, p.fcW, mlp, p.fcB).map((v) => act(v, gelu));
  const m = linear(hidden, rows, mlp, p.projW, d, p.projB);
  return x1.map((v, i) => v + m[i]);
}

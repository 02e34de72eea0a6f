/** Float64 scaled dot-product attention (F.scaled_dot_product_attention semantics) and its exact gradient. */

export interface AttentionDims {
  batch: number;
  Tq: number;
  Tk: number;
  d: number;
  dv: number;
  causal: boolean;
  scale: number;
}

/** P[b, i, j] = softmax_j(scale · q_i·k_j), with j > i excluded when causal. */
function probs(q: Float64Array, k: Float64Array, D: AttentionDims): Float64Array {
  const { batch, Tq, Tk, d, causal, scale } = D;
  const p = new Float64Array(batch * Tq * Tk);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < Tq; i++) {
      const row = (b * Tq + i) * Tk;
      let m = -Infinity;
      for (let j = 0; j < Tk; j++) {
        if (causal && j > i) {
          p[row + j] = -Infinity;
          continue;
        }
        let s = 0;
        for (let c = 0; c < d; c++) s += q[(b * Tq + i) * d + c] * k[(b * Tk + j) * d + c];
        p[row + j] = scale * s;
        m = Math.max(m, scale * s);
      }
      let sum = 0;
      for (let j = 0; j < Tk; j++) sum += (p[row + j] = Math.exp(p[row + j] - m));
      for (let j = 0; j < Tk; j++) p[row + j] /= sum;
    }
  }
  return p;
}

export function attentionRef(q: Float64Array, k: Float64Array, v: Float64Array, D: AttentionDims): Float64Array {
  const { batch, Tq, Tk, dv } = D;
  const p = probs(q, k, D);
  const out = new Float64Array(batch * Tq * dv);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < Tq; i++)
      for (let c = 0; c < dv; c++) {
        let s = 0;
        for (let j = 0; j < Tk; j++) s += p[(b * Tq + i) * Tk + j] * v[(b * Tk + j) * dv + c];
        out[(b * Tq + i) * dv + c] = s;
      }
  return out;
}

/** [dq, dk, dv] for output gradient g: the textbook softmax-attention backward in float64. */
export function attentionGradRef(q: Float64Array, k: Float64Array, v: Float64Array, g: Float64Array, D: AttentionDims): Float64Array[] {
  const { batch, Tq, Tk, d, dv, scale } = D;
  const p = probs(q, k, D);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dV = new Float64Array(v.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < Tq; i++) {
      const row = (b * Tq + i) * Tk;
      const dp = new Float64Array(Tk);
      let dot = 0;
      for (let j = 0; j < Tk; j++) {
        for (let c = 0; c < dv; c++) {
          const gc = g[(b * Tq + i) * dv + c];
          dp[j] += gc * v[(b * Tk + j) * dv + c];
          dV[(b * Tk + j) * dv + c] += p[row + j] * gc;
        }
        dot += dp[j] * p[row + j];
      }
      for (let j = 0; j < Tk; j++) {
        const ds = p[row + j] * (dp[j] - dot) * scale;
        for (let c = 0; c < d; c++) {
          dq[(b * Tq + i) * d + c] += ds * k[(b * Tk + j) * d + c];
          dk[(b * Tk + j) * d + c] += ds * q[(b * Tq + i) * d + c];
        }
      }
    }
  }
  return [dq, dk, dV];
}

/**
 * Float64 CPU forward of a CLIP ViT over OpenAI-named weights (the loader's internal naming), for tests: it shows
 * that every layout's conversion (q/k/v packing, projection transposes) yields weights that reproduce the Python
 * reference's outputs. Semantics as in reference/clip_ref.py (research notes reference-semantics.md 2.12).
 */

import { toFloat32, type HostTensor } from '@stylegpu/io';
import type { ClipConfig, ClipTowerConfig } from '../../src/checkpoint/index.js';

type Weights = ReadonlyMap<string, HostTensor>;

function get(weights: Weights, name: string): Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`clip-forward: missing weight '${name}'`);
  return Float64Array.from(toFloat32(t));
}

/** y[r, o] = Σ_i x[r, i] · w[o, i] + b[o]  (nn.Linear, weight [out, in]). */
function linear(x: Float64Array, rows: number, inDim: number, w: Float64Array, outDim: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
      y[r * outDim + o] = s;
    }
  }
  return y;
}

function layerNorm(x: Float64Array, rows: number, dim: number, g: Float64Array, b: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r * dim + i];
    mean /= dim;
    let v = 0;
    for (let i = 0; i < dim; i++) v += (x[r * dim + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / dim + eps);
    for (let i = 0; i < dim; i++) y[r * dim + i] = (x[r * dim + i] - mean) * inv * g[i] + b[i];
  }
  return y;
}

function activate(x: number, tower: ClipTowerConfig): number {
  if (tower.activation !== 'quick_gelu') throw new Error(`clip-forward: only quick_gelu is implemented, not ${tower.activation}`);
  return x / (1 + Math.exp(-1.702 * x));
}

/** One pre-LN residual block on a single sequence x [L, D], in place semantics returning the new x. */
function block(weights: Weights, prefix: string, x: Float64Array, length: number, tower: ClipTowerConfig, causal: boolean): Float64Array {
  const d = tower.width;
  const heads = tower.heads;
  const hd = d / heads;
  const w = (n: string) => get(weights, prefix + n);
  const h = layerNorm(x, length, d, w('ln_1.weight'), w('ln_1.bias'), tower.layerNormEps);
  const qkv = linear(h, length, d, w('attn.in_proj_weight'), 3 * d, w('attn.in_proj_bias'));
  const attn = new Float64Array(length * d);
  const scores = new Float64Array(length);
  for (let head = 0; head < heads; head++) {
    for (let i = 0; i < length; i++) {
      const keys = causal ? i + 1 : length;
      let max = -Infinity;
      for (let j = 0; j < keys; j++) {
        let s = 0;
        for (let c = 0; c < hd; c++) s += qkv[i * 3 * d + head * hd + c] * qkv[j * 3 * d + d + head * hd + c];
        scores[j] = s / Math.sqrt(hd);
        max = Math.max(max, scores[j]);
      }
      let total = 0;
      for (let j = 0; j < keys; j++) total += scores[j] = Math.exp(scores[j] - max);
      for (let c = 0; c < hd; c++) {
        let s = 0;
        for (let j = 0; j < keys; j++) s += scores[j] * qkv[j * 3 * d + 2 * d + head * hd + c];
        attn[i * d + head * hd + c] = s / total;
      }
    }
  }
  const out = linear(attn, length, d, w('attn.out_proj.weight'), d, w('attn.out_proj.bias'));
  const x1 = x.map((v, i) => v + out[i]);
  const h2 = layerNorm(x1, length, d, w('ln_2.weight'), w('ln_2.bias'), tower.layerNormEps);
  const m = tower.mlpWidth;
  const hidden = linear(h2, length, d, w('mlp.c_fc.weight'), m, w('mlp.c_fc.bias')).map((v) => activate(v, tower));
  const mlp = linear(hidden, length, m, w('mlp.c_proj.weight'), d, w('mlp.c_proj.bias'));
  return x1.map((v, i) => v + mlp[i]);
}

/** row [D] @ proj [D, E] */
function project(row: Float64Array, proj: Float64Array, d: number, e: number): Float64Array {
  const y = new Float64Array(e);
  for (let k = 0; k < e; k++) for (let i = 0; i < d; i++) y[k] += row[i] * proj[i * e + k];
  return y;
}

/** pixels [N, 3, R, R] (normalised) → image features [N, embed]. */
export function encodeImage(weights: Weights, config: ClipConfig, pixels: Float32Array | Float64Array, n: number): Float64Array {
  const v = config.vision;
  const { width: d, patchSize: p, imageSize: r } = v;
  const grid = r / p;
  const length = grid * grid + 1;
  const conv = get(weights, 'visual.conv1.weight');
  const cls = get(weights, 'visual.class_embedding');
  const pos = get(weights, 'visual.positional_embedding');
  const out = new Float64Array(n * config.embedDim);
  for (let b = 0; b < n; b++) {
    let x: Float64Array = new Float64Array(length * d);
    for (let c = 0; c < d; c++) x[c] = cls[c] + pos[c];
    for (let gy = 0; gy < grid; gy++) {
      for (let gx = 0; gx < grid; gx++) {
        const t = 1 + gy * grid + gx;
        for (let c = 0; c < d; c++) {
          let s = 0;
          for (let ch = 0; ch < 3; ch++) {
            for (let ky = 0; ky < p; ky++) {
              for (let kx = 0; kx < p; kx++) {
                s += conv[((c * 3 + ch) * p + ky) * p + kx] * pixels[((b * 3 + ch) * r + gy * p + ky) * r + gx * p + kx];
              }
            }
          }
          x[t * d + c] = s + pos[t * d + c];
        }
      }
    }
    x = layerNorm(x, length, d, get(weights, 'visual.ln_pre.weight'), get(weights, 'visual.ln_pre.bias'), v.layerNormEps);
    for (let i = 0; i < v.layers; i++) x = block(weights, `visual.transformer.resblocks.${i}.`, x, length, v, false);
    const head = layerNorm(x.subarray(0, d), 1, d, get(weights, 'visual.ln_post.weight'), get(weights, 'visual.ln_post.bias'), v.layerNormEps);
    out.set(project(head, get(weights, 'visual.proj'), d, config.embedDim), b * config.embedDim);
  }
  return out;
}

/** tokens [N, context] → text features [N, embed] at the argmax token (end-of-text). */
export function encodeText(weights: Weights, config: ClipConfig, tokens: Int32Array, n: number): Float64Array {
  const t = config.text;
  const { width: d, contextLength: length } = t;
  const emb = get(weights, 'token_embedding.weight');
  const pos = get(weights, 'positional_embedding');
  const out = new Float64Array(n * config.embedDim);
  for (let b = 0; b < n; b++) {
    const ids = tokens.subarray(b * length, (b + 1) * length);
    let x: Float64Array = new Float64Array(length * d);
    for (let i = 0; i < length; i++) for (let c = 0; c < d; c++) x[i * d + c] = emb[ids[i] * d + c] + pos[i * d + c];
    for (let i = 0; i < t.layers; i++) x = block(weights, `transformer.resblocks.${i}.`, x, length, t, true);
    let eot = 0;
    for (let i = 1; i < length; i++) if (ids[i] > ids[eot]) eot = i;
    const row = layerNorm(x.subarray(eot * d, (eot + 1) * d), 1, d, get(weights, 'ln_final.weight'), get(weights, 'ln_final.bias'), t.layerNormEps);
    out.set(project(row, get(weights, 'text_projection'), d, config.embedDim), b * config.embedDim);
  }
  return out;
}

/** Float64 reference of the NADA/StyleCLIP LevelsMapper (see src/latent-mapper.ts for the formulas), forward and backward. */

const LR_MUL = 0.01;

export interface MapperGroupRef {
  start: number;
  end: number;
  params: { weights: Float64Array[]; biases: Float64Array[] } | null;
}

/** What the backward needs of one group's forward: the normalised input and each layer's input and pre-activation. */
interface GroupTrace {
  x: Float64Array;
  r: Float64Array; // PixelNorm's 1/rms per (n, d)
  inputs: Float64Array[];
  pre: Float64Array[];
  out: Float64Array;
}

/** One group's Mapper on x [N, G, D] (flat): PixelNorm over G, then 4 EqualLinear + fused lrelu. */
function mapGroup(x: Float64Array, N: number, G: number, D: number, weights: Float64Array[], biases: Float64Array[]): GroupTrace {
  let cur = Float64Array.from(x);
  const r = new Float64Array(N * D);
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      let ms = 0;
      for (let g = 0; g < G; g++) ms += cur[(n * G + g) * D + d] ** 2 / G;
      r[n * D + d] = 1 / Math.sqrt(ms + 1e-8);
      for (let g = 0; g < G; g++) cur[(n * G + g) * D + d] *= r[n * D + d];
    }
  const gain = LR_MUL / Math.sqrt(D);
  const inputs: Float64Array[] = [];
  const pre: Float64Array[] = [];
  for (let l = 0; l < weights.length; l++) {
    const s = new Float64Array(cur.length);
    const next = new Float64Array(cur.length);
    for (let row = 0; row < N * G; row++)
      for (let o = 0; o < D; o++) {
        let v = biases[l][o] * LR_MUL;
        for (let i = 0; i < D; i++) v += cur[row * D + i] * weights[l][o * D + i] * gain;
        s[row * D + o] = v;
        next[row * D + o] = (v < 0 ? 0.2 * v : v) * Math.SQRT2;
      }
    inputs.push(cur);
    pre.push(s);
    cur = next;
  }
  return { x, r, inputs, pre, out: cur };
}

/** Gradients of Σ gy·mapGroup(x) w.r.t. x, each weight and each bias. */
function mapGroupBackward(t: GroupTrace, gy: Float64Array, N: number, G: number, D: number, weights: Float64Array[]) {
  const gain = LR_MUL / Math.sqrt(D);
  const gWeights: Float64Array[] = [];
  const gBiases: Float64Array[] = [];
  let g = gy;
  for (let l = weights.length - 1; l >= 0; l--) {
    const gW = new Float64Array(D * D);
    const gB = new Float64Array(D);
    const gIn = new Float64Array(g.length);
    for (let row = 0; row < N * G; row++)
      for (let o = 0; o < D; o++) {
        const gs = g[row * D + o] * Math.SQRT2 * (t.pre[l][row * D + o] < 0 ? 0.2 : 1);
        gB[o] += gs * LR_MUL;
        for (let i = 0; i < D; i++) {
          gW[o * D + i] += gs * t.inputs[l][row * D + i] * gain;
          gIn[row * D + i] += gs * weights[l][o * D + i] * gain;
        }
      }
    gWeights[l] = gW;
    gBiases[l] = gB;
    g = gIn;
  }
  // PixelNorm: y_g = x_g·r with r = (mean_g x_g² + ε)^-1/2, so ∂r/∂x_g = -r³·x_g/G.
  const gx = new Float64Array(g.length);
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      const r = t.r[n * D + d];
      let dot = 0;
      for (let k = 0; k < G; k++) dot += g[(n * G + k) * D + d] * t.x[(n * G + k) * D + d];
      for (let k = 0; k < G; k++) {
        const i = (n * G + k) * D + d;
        gx[i] = r * g[i] - (r ** 3 * t.x[i] * dot) / G;
      }
    }
  return { gx, gWeights, gBiases };
}

function groupSlice(w: Float64Array, N: number, numWs: number, D: number, start: number, end: number): Float64Array {
  const G = end - start;
  const x = new Float64Array(N * G * D);
  for (let n = 0; n < N; n++) x.set(w.subarray((n * numWs + start) * D, (n * numWs + end) * D), n * G * D);
  return x;
}

function scatterGroup(dst: Float64Array, src: Float64Array, N: number, numWs: number, D: number, start: number, end: number): void {
  const G = end - start;
  for (let n = 0; n < N; n++) dst.set(src.subarray(n * G * D, (n + 1) * G * D), (n * numWs + start) * D);
}

/**
 * M(w) for w [N, numWs, D]; params per enabled group: 4 weights [D, D] and 4 biases [D], in
 * coarse/medium/fine order; `params: null` marks a disabled group.
 */
export function mapperDeltaRef(w: Float64Array, N: number, numWs: number, D: number, groups: MapperGroupRef[]): Float64Array {
  const out = new Float64Array(w.length);
  for (const g of groups) {
    const G = g.end - g.start;
    if (G === 0 || !g.params) continue;
    const t = mapGroup(groupSlice(w, N, numWs, D, g.start, g.end), N, G, D, g.params.weights, g.params.biases);
    scatterGroup(out, t.out, N, numWs, D, g.start, g.end);
  }
  return out;
}

/**
 * Σ gDelta·M(w) differentiated by hand: the gradient w.r.t. w, and per enabled group its weights' and
 * biases' gradients (zero for an empty group, whose parameters exist but take no part).
 */
export function mapperDeltaBackwardRef(
  w: Float64Array,
  N: number,
  numWs: number,
  D: number,
  groups: MapperGroupRef[],
  gDelta: Float64Array,
): { gw: Float64Array; groups: Array<{ gWeights: Float64Array[]; gBiases: Float64Array[] } | null> } {
  const gw = new Float64Array(w.length);
  const perGroup = groups.map((g) => {
    if (!g.params) return null;
    const G = g.end - g.start;
    const layers = g.params.weights.length;
    if (G === 0) return { gWeights: Array.from({ length: layers }, () => new Float64Array(D * D)), gBiases: Array.from({ length: layers }, () => new Float64Array(D)) };
    const t = mapGroup(groupSlice(w, N, numWs, D, g.start, g.end), N, G, D, g.params.weights, g.params.biases);
    const b = mapGroupBackward(t, groupSlice(gDelta, N, numWs, D, g.start, g.end), N, G, D, g.params.weights);
    scatterGroup(gw, b.gx, N, numWs, D, g.start, g.end);
    return { gWeights: b.gWeights, gBiases: b.gBiases };
  });
  return { gw, groups: perGroup };
}

/**
 * Float64 CPU references for the overparameterised and spatially varying modulated convolutions, written
 * from their definitions (direct sums over taps, no shared code with the GPU path).
 */

export interface ConvCase {
  N: number;
  I: number;
  O: number;
  H: number;
  k: number;
  up: 1 | 2;
  demodulate: boolean;
}

/** The [1,3,3,1] FIR, normalised, as a 4×4 2-D filter (outer product). */
const F1 = [1, 3, 3, 1].map((v) => v / 8);

/**
 * Direct modulated convolution of one sample with a per-(o, i) or per-pixel scaling.
 *  mod(o, i, y, x): the factor multiplying weight[o,i,·] applied to input pixel (y, x) for output channel o.
 *  up = 1: out[o,y,x] = Σ_{i,ky,kx} weight[o,i,ky,kx] · mod · x[i, y+ky−p, x+kx−p]
 *  up = 2: t[o,Y,X] = Σ weight[o,i,ky,kx] · mod · x[i,y,x] with Y = 2y+ky, X = 2x+kx (size 2H+1),
 *          then out = FIR(t) with zero padding 1, gain 4 (size 2H).
 */
function convOne(
  x: Float64Array, xOff: number, weight: Float64Array, c: ConvCase, mod: (o: number, i: number, y: number, xx: number) => number,
): Float64Array {
  const { I, O, H, k, up } = c;
  const p = Math.floor(k / 2);
  const W = H;
  if (up === 1) {
    const out = new Float64Array(O * H * W);
    for (let o = 0; o < O; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          let acc = 0;
          for (let i = 0; i < I; i++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const sy = y + ky - p;
                const sx = xx + kx - p;
                if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
                acc += weight[((o * I + i) * k + ky) * k + kx] * mod(o, i, sy, sx) * x[xOff + (i * H + sy) * W + sx];
              }
          out[(o * H + y) * W + xx] = acc;
        }
    return out;
  }
  const T = 2 * (H - 1) + k;
  const t = new Float64Array(O * T * T);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          const v = x[xOff + (i * H + y) * W + xx] * mod(o, i, y, xx);
          for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) t[(o * T + 2 * y + ky) * T + 2 * xx + kx] += weight[((o * I + i) * k + ky) * k + kx] * v;
        }
  const R = 2 * H;
  const out = new Float64Array(O * R * R);
  for (let o = 0; o < O; o++)
    for (let y = 0; y < R; y++)
      for (let xx = 0; xx < R; xx++) {
        let acc = 0;
        for (let a = 0; a < 4; a++)
          for (let b = 0; b < 4; b++) {
            const sy = y + a - 1;
            const sx = xx + b - 1;
            if (sy < 0 || sy >= T || sx < 0 || sx >= T) continue;
            acc += 4 * F1[a] * F1[b] * t[(o * T + sy) * T + sx];
          }
        out[(o * R + y) * R + xx] = acc;
      }
  return out;
}

function outSize(c: ConvCase): number {
  return c.up === 2 ? 2 * c.H : c.H;
}

/** overparamModulatedConv2d in float64: styles [N, O, I]. */
export function overparamConvRef(x: Float64Array, weight: Float64Array, styles: Float64Array, c: ConvCase): Float64Array {
  const { N, I, O, H, k } = c;
  const R = outSize(c);
  const out = new Float64Array(N * O * R * R);
  for (let n = 0; n < N; n++) {
    const s = (o: number, i: number) => styles[(n * O + o) * I + i];
    const y = convOne(x, n * I * H * H, weight, c, (o, i) => s(o, i));
    for (let o = 0; o < O; o++) {
      let d = 1;
      if (c.demodulate) {
        let e = 0;
        for (let i = 0; i < I; i++) for (let kk = 0; kk < k * k; kk++) e += (weight[(o * I + i) * k * k + kk] * s(o, i)) ** 2;
        d = 1 / Math.sqrt(e + 1e-8);
      }
      for (let q = 0; q < R * R; q++) out[(n * O + o) * R * R + q] = y[o * R * R + q] * d;
    }
  }
  return out;
}

/** spatialModulatedConv2d in float64: styleMap [N, I, H, W]. */
export function spatialConvRef(x: Float64Array, weight: Float64Array, styleMap: Float64Array, c: ConvCase): Float64Array {
  const { N, I, O, H, k, up } = c;
  const R = outSize(c);
  const out = new Float64Array(N * O * R * R);
  for (let n = 0; n < N; n++) {
    const s = (i: number, y: number, xx: number) => styleMap[((n * I + i) * H + y) * H + xx];
    const y = convOne(x, n * I * H * H, weight, c, (_o, i, yy, xx) => s(i, yy, xx));
    for (let o = 0; o < O; o++)
      for (let yy = 0; yy < R; yy++)
        for (let xx = 0; xx < R; xx++) {
          let d = 1;
          if (c.demodulate) {
            const sy = up === 2 ? Math.floor(yy / 2) : yy;
            const sx = up === 2 ? Math.floor(xx / 2) : xx;
            let e = 0;
            for (let i = 0; i < I; i++) {
              let wsq = 0;
              for (let kk = 0; kk < k * k; kk++) wsq += weight[(o * I + i) * k * k + kk] ** 2;
              e += wsq * s(i, sy, sx) ** 2;
            }
            d = 1 / Math.sqrt(e + 1e-8);
          }
          out[((n * O + o) * R + yy) * R + xx] = y[(o * R + yy) * R + xx] * d;
        }
  }
  return out;
}

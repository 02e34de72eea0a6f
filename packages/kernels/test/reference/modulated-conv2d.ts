/**
 * Float64 reference of stylegan2-ada-pytorch `training/networks.py::modulated_conv2d` (the
 * fused_modconv=True route: materialise per-sample weights, demodulate, grouped convolution) with
 * `torch_utils/ops/conv2d_resample.py` and `upfirdn2d.py::_upfirdn2d_ref`, written step by step
 * as the official code runs them — the transposed convolution as its scatter definition, the FIR
 * as zero insertion, padding and a true convolution — so it shares no index algebra with the kernel.
 */

export interface ModConvRefOptions {
  N: number;
  I: number;
  O: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  demodulate: boolean;
  up: number;
  down: number;
  /** [x0, x1, y0, y1]. */
  padding: [number, number, number, number];
  flipWeight: boolean;
  /** 2-D filter [fh, fw], already normalised (setup_filter). */
  f: Float64Array;
  fh: number;
  fw: number;
}

/** setup_filter([taps]) for a short 1-D filter: outer product normalised to sum 1. */
export function setupFilterRef(taps: number[]): { f: Float64Array; fh: number; fw: number } {
  const n = taps.length;
  const f = new Float64Array(n * n);
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += f[i * n + j] = taps[i] * taps[j];
  for (let i = 0; i < f.length; i++) f[i] /= sum;
  return { f, fh: n, fw: n };
}

interface Img {
  data: Float64Array;
  C: number;
  H: number;
  W: number;
}

/** _upfirdn2d_ref on one [C, H, W] image, up = 1 or more, 2-D filter, true convolution. */
export function upfirdn2dRef(x: Img, f: Float64Array, fh: number, fw: number, up: number, down: number, pad: number[], gain: number): Img {
  const [px0, px1, py0, py1] = pad;
  // 1. zero insertion
  const Hu = x.H * up;
  const Wu = x.W * up;
  // 2. pad (negative crops)
  const Hp = Hu + py0 + py1;
  const Wp = Wu + px0 + px1;
  const at = (c: number, y: number, xx: number): number => {
    const uy = y - py0;
    const ux = xx - px0;
    if (uy < 0 || ux < 0 || uy >= Hu || ux >= Wu || uy % up !== 0 || ux % up !== 0) return 0;
    return x.data[(c * x.H + uy / up) * x.W + ux / up];
  };
  // 3. convolution with the filter (flipped, since conv2d correlates), 'valid'
  const Hf = Hp - fh + 1;
  const Wf = Wp - fw + 1;
  // 4. keep every down-th pixel
  const Ho = Math.floor((Hf - 1) / down) + 1;
  const Wo = Math.floor((Wf - 1) / down) + 1;
  const out = new Float64Array(x.C * Ho * Wo);
  for (let c = 0; c < x.C; c++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let acc = 0;
        for (let fy = 0; fy < fh; fy++) {
          for (let fx = 0; fx < fw; fx++) acc += at(c, oy * down + fy, ox * down + fx) * f[(fh - 1 - fy) * fw + (fw - 1 - fx)] * gain;
        }
        out[(c * Ho + oy) * Wo + ox] = acc;
      }
    }
  }
  return { data: out, C: x.C, H: Ho, W: Wo };
}

/** torch conv2d (correlation) of one image with w [O, I, kh, kw], zero padding [x0, x1, y0, y1], stride. */
function conv2dRef(x: Img, w: Float64Array, O: number, kh: number, kw: number, pad: number[], stride: number): Img {
  const [px0, px1, py0, py1] = pad;
  const Ho = Math.floor((x.H + py0 + py1 - kh) / stride) + 1;
  const Wo = Math.floor((x.W + px0 + px1 - kw) / stride) + 1;
  const out = new Float64Array(O * Ho * Wo);
  for (let o = 0; o < O; o++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let acc = 0;
        for (let i = 0; i < x.C; i++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride + ky - py0;
            if (iy < 0 || iy >= x.H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride + kx - px0;
              if (ix < 0 || ix >= x.W) continue;
              acc += x.data[(i * x.H + iy) * x.W + ix] * w[((o * x.C + i) * kh + ky) * kw + kx];
            }
          }
        }
        out[(o * Ho + oy) * Wo + ox] = acc;
      }
    }
  }
  return { data: out, C: O, H: Ho, W: Wo };
}

/** torch conv_transpose2d(x, wT) with wT [I, O, kh, kw], as its scatter definition. */
function convTranspose2dRef(x: Img, wT: Float64Array, O: number, kh: number, kw: number, pady: number, padx: number, stride: number): Img {
  const Ho = (x.H - 1) * stride - 2 * pady + kh;
  const Wo = (x.W - 1) * stride - 2 * padx + kw;
  const out = new Float64Array(O * Ho * Wo);
  for (let i = 0; i < x.C; i++) {
    for (let iy = 0; iy < x.H; iy++) {
      for (let ix = 0; ix < x.W; ix++) {
        const v = x.data[(i * x.H + iy) * x.W + ix];
        for (let o = 0; o < O; o++) {
          for (let ky = 0; ky < kh; ky++) {
            const oy = iy * stride - pady + ky;
            if (oy < 0 || oy >= Ho) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ox = ix * stride - padx + kx;
              if (ox < 0 || ox >= Wo) continue;
              out[(o * Ho + oy) * Wo + ox] += v * wT[((i * O + o) * kh + ky) * kw + kx];
            }
          }
        }
      }
    }
  }
  return { data: out, C: O, H: Ho, W: Wo };
}

function flipTaps(w: Float64Array, kh: number, kw: number): Float64Array {
  const out = new Float64Array(w.length);
  const kk = kh * kw;
  for (let b = 0; b < w.length / kk; b++) {
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) out[b * kk + ky * kw + kx] = w[b * kk + (kh - 1 - ky) * kw + (kw - 1 - kx)];
  }
  return out;
}

/** conv2d_resample for one sample (groups = 1 per sample, as the grouped conv splits it). */
function conv2dResampleRef(x: Img, w: Float64Array, o: ModConvRefOptions): Img {
  const { O, kh, kw, up, down, fh, fw, f } = o;
  let [px0, px1, py0, py1] = o.padding;
  if (up > 1) {
    px0 += Math.floor((fw + up - 1) / 2);
    px1 += Math.floor((fw - up) / 2);
    py0 += Math.floor((fh + up - 1) / 2);
    py1 += Math.floor((fh - up) / 2);
  }
  if (down > 1) {
    px0 += Math.floor((fw - down + 1) / 2);
    px1 += Math.floor((fw - down) / 2);
    py0 += Math.floor((fh - down + 1) / 2);
    py1 += Math.floor((fh - down) / 2);
  }
  // _conv2d_wrapper flips the taps when its flip_weight is false.
  const wrapped = (flip: boolean): Float64Array => (flip ? w : flipTaps(w, kh, kw));
  if (down > 1 && up === 1) {
    const xf = upfirdn2dRef(x, f, fh, fw, 1, 1, [px0, px1, py0, py1], 1);
    return conv2dRef(xf, wrapped(o.flipWeight), O, kh, kw, [0, 0, 0, 0], down);
  }
  if (up > 1) {
    // w.transpose(0, 1): [O, I, kh, kw] → [I, O, kh, kw]
    const ww = wrapped(!o.flipWeight);
    const I = x.C;
    const wT = new Float64Array(ww.length);
    for (let oo = 0; oo < O; oo++) for (let i = 0; i < I; i++) for (let k = 0; k < kh * kw; k++) wT[(i * O + oo) * kh * kw + k] = ww[(oo * I + i) * kh * kw + k];
    px0 -= kw - 1;
    px1 -= kw - up;
    py0 -= kh - 1;
    py1 -= kh - up;
    const pxt = Math.max(Math.min(-px0, -px1), 0);
    const pyt = Math.max(Math.min(-py0, -py1), 0);
    const z = convTranspose2dRef(x, wT, O, kh, kw, pyt, pxt, up);
    return upfirdn2dRef(z, f, fh, fw, 1, 1, [px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt], up * up);
  }
  return conv2dRef(x, wrapped(o.flipWeight), O, kh, kw, [px0, px1, py0, py1], 1);
}

/** modulated_conv2d, float64; returns [N, O, Ho, Wo] flat and its spatial size. */
export function modulatedConv2dRef(x: Float64Array, weight: Float64Array, styles: Float64Array, o: ModConvRefOptions, noise?: Float64Array): { out: Float64Array; Ho: number; Wo: number } {
  const { N, I, O, H, W, kh, kw } = o;
  const kk = kh * kw;
  const parts: Img[] = [];
  for (let n = 0; n < N; n++) {
    // w = weight[None] * styles[:, None, :, None, None]
    const wn = new Float64Array(O * I * kk);
    for (let oo = 0; oo < O; oo++) for (let i = 0; i < I; i++) for (let k = 0; k < kk; k++) wn[(oo * I + i) * kk + k] = weight[(oo * I + i) * kk + k] * styles[n * I + i];
    if (o.demodulate) {
      for (let oo = 0; oo < O; oo++) {
        let sq = 0;
        for (let j = 0; j < I * kk; j++) sq += wn[oo * I * kk + j] ** 2;
        const d = 1 / Math.sqrt(sq + 1e-8);
        for (let j = 0; j < I * kk; j++) wn[oo * I * kk + j] *= d;
      }
    }
    parts.push(conv2dResampleRef({ data: x.subarray(n * I * H * W, (n + 1) * I * H * W), C: I, H, W }, wn, o));
  }
  const { H: Ho, W: Wo } = parts[0];
  const out = new Float64Array(N * O * Ho * Wo);
  parts.forEach((p, n) => out.set(p.data, n * O * Ho * Wo));
  if (noise) {
    const shared = noise.length === Ho * Wo;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < O; c++) for (let p = 0; p < Ho * Wo; p++) out[(n * O + c) * Ho * Wo + p] += noise[(shared ? 0 : n) * Ho * Wo + p];
    }
  }
  return { out, Ho, Wo };
}

/**
 * Float64 minibatch standard deviation (stylegan2-ada-pytorch `MinibatchStdLayer`), plain loops:
 * sample n = g·(N/G) + j is member g of group j; σ over the G members (biased, + 1e-8 under the
 * root), averaged over each channel group's channels and pixels, appended as F channels.
 */
export function minibatchStdRef(x: Float64Array, [N, C, H, W]: readonly number[], groupSize: number, F: number): Float64Array {
  const G = Math.min(groupSize, N);
  const nG = N / G;
  const c = C / F;
  const P = H * W;
  const at = (n: number, ch: number, p: number) => x[(n * C + ch) * P + p];
  const stat = new Float64Array(nG * F);
  for (let j = 0; j < nG; j++) {
    for (let f = 0; f < F; f++) {
      let acc = 0;
      for (let ch = f * c; ch < (f + 1) * c; ch++) {
        for (let p = 0; p < P; p++) {
          let m = 0;
          for (let g = 0; g < G; g++) m += at(g * nG + j, ch, p);
          m /= G;
          let v = 0;
          for (let g = 0; g < G; g++) v += (at(g * nG + j, ch, p) - m) ** 2;
          acc += Math.sqrt(v / G + 1e-8);
        }
      }
      stat[j * F + f] = acc / (c * P);
    }
  }
  const out = new Float64Array(N * (C + F) * P);
  for (let n = 0; n < N; n++) {
    for (let ch = 0; ch < C + F; ch++) {
      for (let p = 0; p < P; p++) out[(n * (C + F) + ch) * P + p] = ch < C ? at(n, ch, p) : stat[(n % nG) * F + (ch - C)];
    }
  }
  return out;
}

/** Its exact gradient for output gradient g: the pass-through part plus S[j, f]/(c·P·G·σ)·(x − μ). */
export function minibatchStdGradRef(x: Float64Array, g: Float64Array, [N, C, H, W]: readonly number[], groupSize: number, F: number): Float64Array {
  const G = Math.min(groupSize, N);
  const nG = N / G;
  const c = C / F;
  const P = H * W;
  const S = new Float64Array(nG * F);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) for (let p = 0; p < P; p++) S[(n % nG) * F + f] += g[(n * (C + F) + C + f) * P + p];
  const dx = new Float64Array(x.length);
  for (let j = 0; j < nG; j++) {
    for (let ch = 0; ch < C; ch++) {
      for (let p = 0; p < P; p++) {
        const idx = (m: number) => ((m * nG + j) * C + ch) * P + p;
        let mu = 0;
        for (let m = 0; m < G; m++) mu += x[idx(m)] / G;
        let v = 0;
        for (let m = 0; m < G; m++) v += (x[idx(m)] - mu) ** 2 / G;
        const sigma = Math.sqrt(v + 1e-8);
        const coef = S[j * F + Math.floor(ch / c)] / (c * P * G * sigma);
        for (let m = 0; m < G; m++) dx[idx(m)] = g[((m * nG + j) * (C + F) + ch) * P + p] + coef * (x[idx(m)] - mu);
      }
    }
  }
  return dx;
}

/**
 * MinibatchStdLayer in float64, step by step as the official forward: view x as [G, n, F, c, H, W],
 * subtract the group mean, mean of squares over the group, sqrt(· + 1e-8), mean over c, H, W,
 * repeat over the group and the pixels, concatenate as channels. groupSize null means the whole batch.
 * A second, independent formulation of the one above (minibatch-std.test.ts checks the kernel against it).
 */
export function minibatchStdStepwiseRef(x: Float64Array, [N, C, H, W]: number[], groupSize: number | null, F: number): Float64Array {
  const G = groupSize === null ? N : Math.min(groupSize, N);
  const n = N / G;
  const c = C / F;
  const P = H * W;
  const at = (g: number, j: number, f: number, cc: number, p: number) => x[((g * n + j) * C + f * c + cc) * P + p];
  const stat = new Float64Array(n * F);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < F; f++) {
      let acc = 0;
      for (let cc = 0; cc < c; cc++) {
        for (let p = 0; p < P; p++) {
          let mean = 0;
          for (let g = 0; g < G; g++) mean += at(g, j, f, cc, p);
          mean /= G;
          let v = 0;
          for (let g = 0; g < G; g++) v += (at(g, j, f, cc, p) - mean) ** 2;
          acc += Math.sqrt(v / G + 1e-8);
        }
      }
      stat[j * F + f] = acc / (c * P);
    }
  }
  const out = new Float64Array(N * (C + F) * P);
  for (let s = 0; s < N; s++) {
    for (let ch = 0; ch < C + F; ch++) {
      for (let p = 0; p < P; p++) {
        out[(s * (C + F) + ch) * P + p] = ch < C ? x[(s * C + ch) * P + p] : stat[(s % n) * F + (ch - C)];
      }
    }
  }
  return out;
}

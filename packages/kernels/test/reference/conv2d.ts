/**
 * Float64 conv2d and conv_transpose2d with PyTorch semantics, written as plain loops over every
 * (input pixel, tap) pair — the transposed conv as a scatter, unlike the kernels' gathers — and
 * their exact gradients accumulated in the same loops.
 */
export interface ConvRefGeometry {
  x: number[]; // [N, Cin, H, W]
  w: number[]; // conv: [Cout, Cin/g, kh, kw]; transposed: [Cin, Cout/g, kh, kw]
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  outputPadding?: [number, number];
}

export function conv2dOutShape(c: ConvRefGeometry): number[] {
  const [N, , H, W] = c.x;
  const [Cout, , kh, kw] = c.w;
  const OH = Math.floor((H + 2 * c.padding[0] - c.dilation[0] * (kh - 1) - 1) / c.stride[0]) + 1;
  const OW = Math.floor((W + 2 * c.padding[1] - c.dilation[1] * (kw - 1) - 1) / c.stride[1]) + 1;
  return [N, Cout, OH, OW];
}

export function convTranspose2dOutShape(c: ConvRefGeometry): number[] {
  const [N, , H, W] = c.x;
  const [, Cog, kh, kw] = c.w;
  const op = c.outputPadding ?? [0, 0];
  const OH = (H - 1) * c.stride[0] - 2 * c.padding[0] + c.dilation[0] * (kh - 1) + op[0] + 1;
  const OW = (W - 1) * c.stride[1] - 2 * c.padding[1] + c.dilation[1] * (kw - 1) + op[1] + 1;
  return [N, Cog * c.groups, OH, OW];
}

/**
 * Visits every (conv-input pixel, conv-output pixel, weight) triple of the conv2d relation
 *   small[n, co, oy, ox] ~ big[n, ci, oy·s − p + ky·d, ox·s − p + kx·d] · w[...]
 * `bigShape` is the conv input, `smallShape` the conv output, `wIndex(co, ciLocal, ky, kx)` the weight.
 */
function visit(
  bigShape: number[],
  smallShape: number[],
  kh: number,
  kw: number,
  c: ConvRefGeometry,
  wIndex: (co: number, ciLocal: number, ky: number, kx: number) => number,
  fn: (bigIdx: number, smallIdx: number, wIdx: number, co: number) => void,
): void {
  const [N, Cin, H, W] = bigShape;
  const [, Cout, OH, OW] = smallShape;
  const Kg = Cin / c.groups;
  const Mg = Cout / c.groups;
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Cout; co++) {
      const g = Math.floor(co / Mg);
      for (let ci = 0; ci < Kg; ci++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            for (let oy = 0; oy < OH; oy++) {
              const iy = oy * c.stride[0] - c.padding[0] + ky * c.dilation[0];
              if (iy < 0 || iy >= H) continue;
              for (let ox = 0; ox < OW; ox++) {
                const ix = ox * c.stride[1] - c.padding[1] + kx * c.dilation[1];
                if (ix < 0 || ix >= W) continue;
                fn(((n * Cin + g * Kg + ci) * H + iy) * W + ix, ((n * Cout + co) * OH + oy) * OW + ox, wIndex(co, ci, ky, kx), co);
              }
            }
    }
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function conv2dRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, c: ConvRefGeometry): Float64Array {
  const os = conv2dOutShape(c);
  const [, Cig, kh, kw] = c.w;
  const y = new Float64Array(size(os));
  visit(c.x, os, kh, kw, c, (co, ci, ky, kx) => ((co * Cig + ci) * kh + ky) * kw + kx, (bi, si, wi) => (y[si] += x[bi] * w[wi]));
  if (b) for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / (os[2] * os[3])) % os[1]];
  return y;
}

export function conv2dGradRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, g: Float64Array, c: ConvRefGeometry): Float64Array[] {
  const os = conv2dOutShape(c);
  const [, Cig, kh, kw] = c.w;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  visit(c.x, os, kh, kw, c, (co, ci, ky, kx) => ((co * Cig + ci) * kh + ky) * kw + kx, (bi, si, wi) => {
    dx[bi] += g[si] * w[wi];
    dw[wi] += g[si] * x[bi];
  });
  if (!b) return [dx, dw];
  const db = new Float64Array(b.length);
  for (let i = 0; i < g.length; i++) db[Math.floor(i / (os[2] * os[3])) % os[1]] += g[i];
  return [dx, dw, db];
}

/** conv_transpose2d: scatter every input pixel through the kernel (the conv2d relation read backwards). */
export function convTranspose2dRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, c: ConvRefGeometry): Float64Array {
  const os = convTranspose2dOutShape(c);
  const [, Cog, kh, kw] = c.w;
  const y = new Float64Array(size(os));
  // The transposed conv's output is the conv relation's big side, its input the small side; the
  // small side's channel co (input of the transposed conv) in group g pairs with big channels g·Cog + j.
  visit(os, c.x, kh, kw, c, (ci, j, ky, kx) => ((ci * Cog + j) * kh + ky) * kw + kx, (bi, si, wi) => (y[bi] += x[si] * w[wi]));
  if (b) for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / (os[2] * os[3])) % os[1]];
  return y;
}

export function convTranspose2dGradRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, g: Float64Array, c: ConvRefGeometry): Float64Array[] {
  const os = convTranspose2dOutShape(c);
  const [, Cog, kh, kw] = c.w;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  visit(os, c.x, kh, kw, c, (ci, j, ky, kx) => ((ci * Cog + j) * kh + ky) * kw + kx, (bi, si, wi) => {
    dx[si] += g[bi] * w[wi];
    dw[wi] += g[bi] * x[si];
  });
  if (!b) return [dx, dw];
  const db = new Float64Array(b.length);
  for (let i = 0; i < g.length; i++) db[Math.floor(i / (os[2] * os[3])) % os[1]] += g[i];
  return [dx, dw, db];
}

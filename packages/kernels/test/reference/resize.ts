/**
 * Float64 F.interpolate for [planes, H, W], written directly from the documented formulas
 * (2-D interpolation per output pixel; antialias as PIL's normalised separable filter).
 */
export type Mode = 'nearest' | 'bilinear' | 'bicubic';

function keys(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/** Normalised antialias weights along one axis: [first index, weights] per output position. */
function aaAxis(n: number, m: number, mode: Mode): Array<[number, number[]]> {
  const scale = n / m;
  const stretch = Math.max(scale, 1);
  const radius = (mode === 'bilinear' ? 1 : 2) * stretch;
  const filter = (x: number) => (mode === 'bilinear' ? Math.max(0, 1 - Math.abs(x)) : keys(x, -0.5));
  const out: Array<[number, number[]]> = [];
  for (let o = 0; o < m; o++) {
    const c = (o + 0.5) * scale;
    const first = Math.max(0, Math.trunc(c - radius + 0.5));
    const last = Math.min(n, Math.trunc(c + radius + 0.5));
    const w: number[] = [];
    for (let j = first; j < last; j++) w.push(filter((j + 0.5 - c) / stretch));
    const s = w.reduce((a, b) => a + b, 0);
    out.push([first, w.map((v) => v / s)]);
  }
  return out;
}

export function resizeRef(
  x: Float64Array,
  planes: number,
  H: number,
  W: number,
  h: number,
  w: number,
  mode: Mode,
  alignCorners: boolean,
  antialias: boolean,
): Float64Array {
  const out = new Float64Array(planes * h * w);
  const at = (p: number, i: number, j: number) => x[(p * H + Math.min(Math.max(i, 0), H - 1)) * W + Math.min(Math.max(j, 0), W - 1)];
  const scaleOf = (n: number, m: number) => (alignCorners ? (m > 1 ? (n - 1) / (m - 1) : 0) : n / m);
  const [sy, sx] = [scaleOf(H, h), scaleOf(W, w)];
  const source = (s: number, o: number, clampZero: boolean) => (alignCorners ? s * o : clampZero ? Math.max(s * (o + 0.5) - 0.5, 0) : s * (o + 0.5) - 0.5);
  const ay = antialias ? aaAxis(H, h, mode) : [];
  const ax = antialias ? aaAxis(W, w, mode) : [];
  for (let p = 0; p < planes; p++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        let v = 0;
        if (mode === 'nearest') {
          const fy = h === H ? i : Math.floor(Math.fround(i * Math.fround(H / h)));
          const fx = w === W ? j : Math.floor(Math.fround(j * Math.fround(W / w)));
          v = at(p, Math.min(fy, H - 1), Math.min(fx, W - 1));
        } else if (antialias) {
          const [y0, wy] = ay[i];
          const [x0, wx] = ax[j];
          wy.forEach((a, dy) => wx.forEach((b, dx) => (v += a * b * at(p, y0 + dy, x0 + dx))));
        } else if (mode === 'bilinear') {
          const yy = source(sy, i, true);
          const xx = source(sx, j, true);
          const [y0, x0] = [Math.floor(yy), Math.floor(xx)];
          const [ly, lx] = [yy - y0, xx - x0];
          v = (1 - ly) * ((1 - lx) * at(p, y0, x0) + lx * at(p, y0, x0 + 1)) + ly * ((1 - lx) * at(p, y0 + 1, x0) + lx * at(p, y0 + 1, x0 + 1));
        } else {
          const yy = source(sy, i, false);
          const xx = source(sx, j, false);
          const [y0, x0] = [Math.floor(yy), Math.floor(xx)];
          for (let dy = -1; dy <= 2; dy++)
            for (let dx = -1; dx <= 2; dx++) v += keys(yy - (y0 + dy), -0.75) * keys(xx - (x0 + dx), -0.75) * at(p, y0 + dy, x0 + dx);
        }
        out[(p * h + i) * w + j] = v;
      }
  return out;
}

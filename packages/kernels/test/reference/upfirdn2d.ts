/**
 * Float64 upfirdn2d, step by step as the official `_upfirdn2d_ref` (torch_utils/ops/upfirdn2d.py):
 * build the zero-stuffed image, pad/crop it, correlate with the (flipped unless flipFilter) filter
 * scaled by gain^(ndim/2) — a separable filter as two 1-D passes — then keep every down-th pixel.
 * Deliberately the naive materialising form, unlike the kernel's polyphase loop.
 */
export interface UpfirdnRefParams {
  up: [number, number];
  down: [number, number];
  /** [x0, x1, y0, y1]. */
  pad: [number, number, number, number];
  flip: boolean;
  gain: number;
}

/** One plane: zero-insert, pad/crop, correlate with a [fh, fw] filter, subsample. */
function planeRef(img: Float64Array, H: number, W: number, f: Float64Array, fh: number, fw: number, p: UpfirdnRefParams): { data: Float64Array; H: number; W: number } {
  const [ux, uy] = p.up;
  const [dx, dy] = p.down;
  const [px0, px1, py0, py1] = p.pad;
  // 1. upsample
  const UH = H * uy;
  const UW = W * ux;
  const up = new Float64Array(UH * UW);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) up[y * uy * UW + x * ux] = img[y * W + x];
  // 2. pad (positive) then crop (negative)
  const PH = UH + py0 + py1;
  const PW = UW + px0 + px1;
  const padded = new Float64Array(Math.max(PH, 0) * Math.max(PW, 0));
  for (let y = 0; y < PH; y++) {
    for (let x = 0; x < PW; x++) {
      const sy = y - py0;
      const sx = x - px0;
      if (sy >= 0 && sy < UH && sx >= 0 && sx < UW) padded[y * PW + x] = up[sy * UW + sx];
    }
  }
  // 3. valid correlation with the filter, 4. subsample
  const VH = PH - fh + 1;
  const VW = PW - fw + 1;
  const OH = Math.ceil(VH / dy);
  const OW = Math.ceil(VW / dx);
  const out = new Float64Array(OH * OW);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      let s = 0;
      for (let ty = 0; ty < fh; ty++) for (let tx = 0; tx < fw; tx++) s += padded[(oy * dy + ty) * PW + ox * dx + tx] * f[ty * fw + tx];
      out[oy * OW + ox] = s;
    }
  }
  return { data: out, H: OH, W: OW };
}

/** Returns the output and its [N, C, OH, OW] shape. */
export function upfirdn2dRef(x: Float64Array, xShape: number[], f: Float64Array, fShape: number[], p: UpfirdnRefParams): { data: Float64Array; shape: number[] } {
  const [N, C, H, W] = xShape;
  const scaled = f.map((v) => v * p.gain ** (fShape.length / 2));
  // Convolution = correlation with the filter reversed on every axis (row-major reverse).
  const ff = p.flip ? scaled : scaled.slice().reverse();
  const planes: Float64Array[] = [];
  let OH = 0;
  let OW = 0;
  for (let n = 0; n < N * C; n++) {
    const img = x.subarray(n * H * W, (n + 1) * H * W);
    let r;
    if (fShape.length === 2) {
      r = planeRef(img, H, W, ff, fShape[0], fShape[1], p);
    } else {
      const t = fShape[0];
      const rx = planeRef(img, H, W, ff, 1, t, { ...p, up: [p.up[0], 1], down: [p.down[0], 1], pad: [p.pad[0], p.pad[1], 0, 0] });
      r = planeRef(rx.data, rx.H, rx.W, ff, t, 1, { ...p, up: [1, p.up[1]], down: [1, p.down[1]], pad: [0, 0, p.pad[2], p.pad[3]] });
    }
    planes.push(r.data);
    OH = r.H;
    OW = r.W;
  }
  const data = new Float64Array(N * C * OH * OW);
  planes.forEach((pl, i) => data.set(pl, i * OH * OW));
  return { data, shape: [N, C, OH, OW] };
}

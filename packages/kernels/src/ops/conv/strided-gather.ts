/**
 * What the register-blocked gathers that read the weight in place (conv2d's regblock, shuffle and
 * transposed kernels, and its weight gradient) share: one uniform struct filled from the spec, the
 * channels-per-thread rule, and the WGSL of a tap's 4-pixel load and of the store.
 *
 * Kernel shape: a thread owns TM output channels × 4 outputs and keeps the 4·TM sums in vec4
 * registers; the GEMM's K loop walks (input channel, ky, kx) and gathers the input straight from
 * NCHW, so no im2col buffer is ever written (no workgroup memory, no barriers: what lavapipe wants).
 */
import { uniformStruct } from '../../uniforms.js';
import type { ConvGeometry, ConvSpec } from './spec.js';

export const WG = 64;
/** Output pixels per thread. */
export const TN = 4;

export const GATHER_UNIFORMS = uniformStruct({
  total: 'u32', N: 'u32', Cin: 'u32', H: 'u32', W: 'u32', Cout: 'u32', OH: 'u32', OW: 'u32', kh: 'u32', kw: 'u32',
  sy: 'u32', sx: 'u32', py: 'i32', px: 'i32', dly: 'u32', dlx: 'u32', Kg: 'u32', Mg: 'u32', xBlocks: 'u32', cBlocks: 'u32',
  fy: 'u32', fx: 'u32', ry: 'u32', rx: 'u32', FOH: 'u32', FOW: 'u32', wGroup: 'u32', wCo: 'u32', wCi: 'u32',
});

/** The uniforms of a launch of `total` threads over xBlocks × cBlocks blocks; strides default to none (the weight gradient writes its own layout). */
export function gatherUniforms(
  g: ConvGeometry & Partial<Pick<ConvSpec, 'phase' | 'wGroup' | 'wCo' | 'wCi'>>,
  total: number,
  xBlocks: number,
  cBlocks: number,
) {
  const ph = g.phase;
  return GATHER_UNIFORMS.pack({
    total, N: g.N, Cin: g.Cin, H: g.H, W: g.W, Cout: g.Cout, OH: g.OH, OW: g.OW, kh: g.kh, kw: g.kw,
    sy: g.sy, sx: g.sx, py: g.py, px: g.px, dly: g.dy, dlx: g.dx, Kg: g.Cin / g.groups, Mg: g.Cout / g.groups, xBlocks, cBlocks,
    fy: ph?.fy ?? 1, fx: ph?.fx ?? 1, ry: ph?.ry ?? 0, rx: ph?.rx ?? 0, FOH: ph ? ph.out.shape[2] : g.OH, FOW: ph ? ph.out.shape[3] : g.OW,
    wGroup: g.wGroup ?? 0, wCo: g.wCo ?? 0, wCi: g.wCi ?? 0,
  });
}

export const rowsOf = (tm: number) => [...Array(tm).keys()];
export const cols = [0, 1, 2, 3];

/**
 * Channels per thread (TM) for `perGroup` output channels per group: 1, 2, 4 or 8, the smallest
 * power of two covering them up to 8, so depthwise (groups = C) and 3-channel ToRGB convs don't
 * compute 8 rows to keep one.
 */
export function tmFor(perGroup: number): number {
  return perGroup >= 8 ? 8 : perGroup >= 4 ? 4 : perGroup >= 2 ? 2 : 1;
}

/** Per tap: the 4 pixels' clamped offsets `o0..o3` in row `row` and their in-image mask `inside`. */
export function tapSetup(row: string, col: (j: number) => string): string {
  return `${cols.map((j) => `      let c${j} = ${col(j)};\n      let o${j} = ${row} + u32(clamp(c${j}, 0, i32(u.W) - 1));`).join('\n')}
      let inside = vec4<bool>(${cols.map((j) => `c${j} >= 0 && (c${j} < i32(u.W))`).join(', ')});`;
}

/** The 4 pixels at channel offset `xo`, zero outside the image (select, so padding never reads NaN·0). */
export const maskedLoad = (xo: string) => `select(vec4f(0.0), vec4f(${cols.map((j) => `X[o${j} + ${xo}]`).join(', ')}), inside)`;

/** The store of TM rows × 4 pixels (`acc0..`), into output index `pixelIndex(j)` where `pixelOk(j)`, plus the bias. */
export function storeOut(tm: number, bias: boolean, pixelIndex: (j: number) => string, pixelOk: (j: number) => string): string {
  return rowsOf(tm)
    .map(
      (i) => `  if (co0 + ${i}u < u.Mg) {
    let oc = g * u.Mg + co0 + ${i}u;
    let obase = (n * u.Cout + oc) * u.FOH * u.FOW;
${cols.map((j) => `    if (${pixelOk(j)}) { out[obase + ${pixelIndex(j)}] = acc${i}[${j}]${bias ? ' + bias[oc]' : ''}; }`).join('\n')}
  }`,
    )
    .join('\n');
}

/** The reads of a gather: input, weight, and the bias when there is one. */
export function gatherReads(bias: boolean): Array<[string, string]> {
  return bias ? [['X', 'f32'], ['Wt', 'f32'], ['bias', 'f32']] : [['X', 'f32'], ['Wt', 'f32']];
}

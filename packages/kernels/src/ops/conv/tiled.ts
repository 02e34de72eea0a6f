/**
 * A correlation as an implicit GEMM tiled through workgroup memory: the `tiled` kernel shape of
 * conv2d and modulatedConv2d, for real GPUs (matmul's `tiled` is the same idea). Per sample n and
 * group g:
 *
 *   out[n, g·Mg + co, p] = post[n, g·Mg + co] · Σ_{ci < Kg, k < kh·kw} W(n, g, co, ci, k)
 *                            · pre[n, g·Kg + ci] · x[n, g·Kg + ci, oy·sy − py + ky·dly, ox·sx − px + kx·dlx]
 *                          + bias[g·Mg + co]
 *
 * with p = oy·OW + ox: the correlation of spec.ts, the weight read in place through its strides
 * (conv2d: [Cout, Kg, kh, kw]; modulatedConv2d's stride-1 adjoint reads [O, I, kh, kw] as [I ← O]
 * with the taps flipped; its unfused comparison route has one weight per sample, wBatch > 0).
 *
 * The GEMM is [Mg × Kg·kh·kw] · [Kg·kh·kw × OH·OW]: a workgroup of 256 computes a 64-channel ×
 * 64-pixel tile, 4 × 4 per thread, stepping K by 16 through two 4 KiB workgroup arrays. Each
 * thread loads one column of each staged tile — one output channel's weights and one pixel's
 * patch — so the pixel's (oy, ox) is decoded once per tile, not per load. Out-of-range channels,
 * pixels and K steps read clamped addresses and are zeroed with `select`, so no branch sits
 * between the barriers.
 *
 * On lavapipe, barriers and workgroup memory cost more than they save (the `regblock` and
 * `shuffle` kernels are several times faster there), so only GPUs choose this by default; tests
 * force it to check it against the float64 references.
 */
import { bindings, kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { uniformStruct } from '../../uniforms.js';
import type { ConvSpec } from './spec.js';

const TILE = 64;
const TK = 16;

const U = uniformStruct({
  N: 'u32', Cin: 'u32', H: 'u32', W: 'u32', Cout: 'u32', OH: 'u32', OW: 'u32', kh: 'u32', kw: 'u32', sy: 'u32', sx: 'u32',
  py: 'i32', px: 'i32', dly: 'u32', dlx: 'u32', Kg: 'u32', Mg: 'u32', groups: 'u32', wGroup: 'u32', wCo: 'u32', wCi: 'u32', wBatch: 'u32', flip: 'u32',
});

function tiledWgsl(pre: boolean, post: boolean, bias: boolean): string {
  const reads: Array<[string, string]> = [['X', 'f32'], ['Wt', 'f32']];
  if (pre) reads.push(['pre', 'f32']);
  if (post) reads.push(['post', 'f32']);
  if (bias) reads.push(['bias', 'f32']);
  const rows = [0, 1, 2, 3];
  return `
${bindings(reads, [['out', 'f32']], U.wgsl)}
var<workgroup> As: array<f32, ${TK * TILE}>; // [k][output channel]
var<workgroup> Bs: array<f32, ${TK * TILE}>; // [k][pixel]
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let n = wid.z / u.groups;
  let g = wid.z % u.groups;
  let P = u.OH * u.OW;
  let p0 = wid.x * ${TILE}u;
  let co0 = wid.y * ${TILE}u;
  // The staged column this thread loads: one pixel's patch and one output channel's weights.
  let col = li % ${TILE}u;
  let kRow = li / ${TILE}u;
  let p = min(p0 + col, P - 1u);
  let pOk = p0 + col < P;
  let iyBase = i32((p / u.OW) * u.sy) - u.py;
  let ixBase = i32((p % u.OW) * u.sx) - u.px;
  let taps = u.kh * u.kw;
  let KK = u.Kg * taps;
  let plane = u.H * u.W;
  let xn = (n * u.Cin + g * u.Kg) * plane;
  let wRow = n * u.wBatch + g * u.wGroup + min(co0 + col, u.Mg - 1u) * u.wCo;
  // The 4 × 4 block this thread computes.
  let ty = li / 16u;
  let tx = li % 16u;
${rows.map((i) => `  var acc${i} = vec4f(0.0);`).join('\n')}
  for (var k0 = 0u; k0 < KK; k0 += ${TK}u) {
    for (var r = 0u; r < ${(TK * TILE) / 256}u; r++) {
      let kq = kRow + ${256 / TILE}u * r;
      let kOk = k0 + kq < KK;
      let kc = min(k0 + kq, KK - 1u);
      let ci = kc / taps;
      let t = kc % taps;
      let iy = iyBase + i32((t / u.kw) * u.dly);
      let ix = ixBase + i32((t % u.kw) * u.dlx);
      let inside = kOk && pOk && iy >= 0 && iy < i32(u.H) && ix >= 0 && ix < i32(u.W);
      let xv = X[xn + ci * plane + u32(clamp(iy, 0, i32(u.H) - 1)) * u.W + u32(clamp(ix, 0, i32(u.W) - 1))];
      Bs[kq * ${TILE}u + col] = select(0.0, xv${pre ? ' * pre[n * u.Cin + g * u.Kg + ci]' : ''}, inside);
      let tap = select(t, taps - 1u - t, u.flip == 1u);
      As[kq * ${TILE}u + col] = select(0.0, Wt[wRow + ci * u.wCi + tap], kOk);
    }
    workgroupBarrier();
    for (var kq = 0u; kq < ${TK}u; kq++) {
      let a = kq * ${TILE}u + ty * 4u;
      let b = kq * ${TILE}u + tx * 4u;
      let bv = vec4f(Bs[b], Bs[b + 1u], Bs[b + 2u], Bs[b + 3u]);
${rows.map((i) => `      acc${i} = fma(vec4f(As[a + ${i}u]), bv, acc${i});`).join('\n')}
    }
    workgroupBarrier();
  }
${rows
  .map(
    (i) => `  if (co0 + ty * 4u + ${i}u < u.Mg) {
    let oc = g * u.Mg + co0 + ty * 4u + ${i}u;
    let obase = (n * u.Cout + oc) * P;
    for (var j = 0u; j < 4u; j++) {
      let q = p0 + tx * 4u + j;
      if (q < P) { out[obase + q] = acc${i}[j]${post ? ' * post[n * u.Cout + oc]' : ''}${bias ? ' + bias[oc]' : ''}; }
    }
  }`,
  )
  .join('\n')}
}`;
}

/** The grid of a tiled correlation, or null when a dimension is over the adapter's limit (callers fall back). */
export function tiledGrid(rt: Tensor['rt'], N: number, groups: number, Mg: number, OH: number, OW: number): [number, number, number] | null {
  const grid: [number, number, number] = [Math.ceil((OH * OW) / TILE), Math.ceil(Mg / TILE), N * groups];
  return grid.every((c) => c <= rt.gpu.limits.maxComputeWorkgroupsPerDimension) ? grid : null;
}

/** Dispatches the tiled correlation of `c` (not transposed, no output phase) into a new [N, Cout, OH, OW] tensor. */
export function tiledCorrelation(c: ConvSpec, grid: [number, number, number]): Tensor {
  if (c.transposed || c.phase) throw new Error(`${c.op}: the tiled kernel runs correlations into a whole output only`);
  const rt = c.x.rt;
  const out = rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  const read = [c.x, c.weight, ...(c.pre ? [c.pre] : []), ...(c.post ? [c.post] : []), ...(c.bias ? [c.bias] : [])];
  const key = `tiledCorrelation:${+!!c.pre}${+!!c.post}${+!!c.bias}`;
  rt.dispatch(kernel(c.op, key, () => tiledWgsl(!!c.pre, !!c.post, !!c.bias)), {
    read,
    write: [out],
    uniforms: U.pack({
      N: c.N, Cin: c.Cin, H: c.H, W: c.W, Cout: c.Cout, OH: c.OH, OW: c.OW, kh: c.kh, kw: c.kw, sy: c.sy, sx: c.sx, py: c.py, px: c.px,
      dly: c.dy, dlx: c.dx, Kg: c.Cin / c.groups, Mg: c.Cout / c.groups, groups: c.groups,
      wGroup: c.wGroup, wCo: c.wCo, wCi: c.wCi, wBatch: c.wBatch, flip: +c.flip,
    }),
    workgroups: grid,
  });
  return out;
}

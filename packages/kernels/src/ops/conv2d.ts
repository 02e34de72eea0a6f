/**
 * 2-D convolution and transposed convolution with PyTorch semantics (`torch.nn.functional.conv2d`,
 * `conv_transpose2d`; the ops stylegan2-ada-pytorch's `torch_utils/ops/conv2d_resample.py` calls):
 *
 *   conv2d:           y[n, co, oy, ox] = b[co] + Σ_{ci ∈ group(co), ky, kx}
 *                                        x[n, ci, oy·s − p + ky·d, ox·s − p + kx·d] · w[co, ci', ky, kx]
 *                     (cross-correlation; w [Cout, Cin/groups, kh, kw]; zero outside the image)
 *   convTranspose2d:  the adjoint of conv2d in x: w [Cin, Cout/groups, kh, kw],
 *                     out = (in − 1)·s − 2p + d·(k − 1) + outputPadding + 1.
 *
 * Three implicit-GEMM kernels, each register-blocked like matmul's `regblock` (no workgroup
 * memory, no barriers — what lavapipe wants): a thread owns TM output channels × 4 outputs and
 * keeps the 4·TM sums in vec4 registers; the GEMM's K loop walks (input channel, ky, kx) and
 * gathers the input straight from NCHW, so no im2col buffer is ever written.
 *  - `forward`: the conv2d gather. A thread's 4 pixels are consecutive in one output row, so a
 *    tap row outside the image is skipped for all of them at once.
 *  - `transposed`: conv_transpose2d as a gather (no atomics). A thread's 4 pixels share one phase
 *    (x ≡ r mod s), so for each kx either all 4 land on real input pixels — consecutive ones — or
 *    none do and the tap is skipped: stride-2 costs no wasted multiply-adds.
 *  - `weightGrad`: dw[co, k] = Σ_pixels dy[co, pixel] · patch[k, pixel]; a thread owns TM output
 *    channels × 4 of the (ci, ky, kx) taps.
 * The adjoints close the set: conv2d's dx is `transposed` with the same weight tensor,
 * convTranspose2d's dx is `forward` with it, and both weight gradients are `weightGrad` with the
 * roles of the two activations swapped.
 *
 * TM (channels per thread) is 1, 2, 4 or 8 — the smallest power of two covering the channels per
 * group, up to 8 — so depthwise (groups = C) and 3-channel ToRGB convs don't compute 8 rows to
 * keep one. With 8 or more channels per group on a CPU adapter with subgroups, the gather runs as
 * `forwardShuffle` (see `conv2dVariant`): the 8 lanes of a subgroup share their weight loads.
 * On GPUs the conv2d gather is `tiledCorrelation` instead (conv-tiled.ts: workgroup-memory
 * tiles, what real GPUs want); the transposed gather and the weight gradient run the kernels
 * here on every adapter.
 *
 * convTranspose2d (conv2d's input gradient, also inside R1's double backward) runs as
 * correlations with the flipped, channel-swapped weight on the conv2d gather
 * (`convTranspose2dPath`): at stride 1 one correlation, on whichever kernel shape the adapter's
 * conv2d takes; at stride s one per output phase, stored into its phase. On lavapipe at
 * StyleGAN2-D shapes (batch 16, 3×3; interleaved medians, loaded machine) against the transposed
 * gather: stride 1 padding 1, 32 ch 32 px 122 → 34 ms, 32 ch 16 px 35 → 17 ms, 128 ch 32 px
 * 2.12 → 1.03 s; stride 2, 32 ch 16 → 33 px 105 → 15 ms, 128 ch 1.26 → 0.40 s.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, i32, kernel, type Kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { sum } from './broadcast.js';
import { tiledCorrelation, tiledGrid } from './conv-tiled.js';
import { flipTransposeWeight, phaseTaps } from './conv-flip-weight.js';

const WG = 64;
const TN = 4;
/** Lanes sharing one weight row each in the `shuffle` kernels (lavapipe's subgroup is 8). */
const SHUFFLE_LANES = 8;

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding [ph, pw] (or one number) on each side. */
  padding?: Pair;
  groups?: number;
  dilation?: Pair;
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns on the bottom/right of the output; each < stride or < dilation. */
  outputPadding?: Pair;
}

/** Everything a launch needs, for all three kernels. */
interface Geometry {
  N: number;
  /** Channels of the tensor read by the K loop (x for forward, the transposed input, the patches' source). */
  Cin: number;
  H: number;
  W: number;
  /** Channels and size of the tensor written / of dy. */
  Cout: number;
  OH: number;
  OW: number;
  kh: number;
  kw: number;
  sy: number;
  sx: number;
  py: number;
  px: number;
  dy: number;
  dx: number;
  groups: number;
}

const UNIFORMS =
  'total: u32, N: u32, Cin: u32, H: u32, W: u32, Cout: u32, OH: u32, OW: u32, kh: u32, kw: u32, ' +
  'sy: u32, sx: u32, py: i32, px: i32, dly: u32, dlx: u32, Kg: u32, Mg: u32, xBlocks: u32, cBlocks: u32, ' +
  'fy: u32, fx: u32, ry: u32, rx: u32, FOH: u32, FOW: u32';

/**
 * Where the conv2d gather writes: pixel (oy, ox) of its OH×OW result goes to (oy·fy + ry, ox·fx + rx)
 * of an FOH×FOW output — one phase of a strided transposed convolution (`runTransposedAsCorrelation`).
 */
interface OutputPhase {
  out: Tensor;
  fy: number;
  fx: number;
  ry: number;
  rx: number;
}

function uniforms(g: Geometry, total: number, xBlocks: number, cBlocks: number, Kg: number, Mg: number, phase?: OutputPhase) {
  const [fy, fx, ry, rx, FOH, FOW] = phase ? [phase.fy, phase.fx, phase.ry, phase.rx, phase.out.shape[2], phase.out.shape[3]] : [1, 1, 0, 0, g.OH, g.OW];
  return [total, g.N, g.Cin, g.H, g.W, g.Cout, g.OH, g.OW, g.kh, g.kw, g.sy, g.sx, i32(g.py), i32(g.px), g.dy, g.dx, Kg, Mg, xBlocks, cBlocks, fy, fx, ry, rx, FOH, FOW];
}

const rowsOf = (tm: number) => [...Array(tm).keys()];
const cols = [0, 1, 2, 3];

/** Channels per thread for `perGroup` output channels per group. */
function tmFor(perGroup: number): number {
  return perGroup >= 8 ? 8 : perGroup >= 4 ? 4 : perGroup >= 2 ? 2 : 1;
}

/** Per tap: the 4 pixels' clamped offsets `o0..o3` in row `row` and their in-image mask `inside`. */
function tapSetup(row: string, col: (j: number) => string): string {
  return `${cols.map((j) => `      let c${j} = ${col(j)};\n      let o${j} = ${row} + u32(clamp(c${j}, 0, i32(u.W) - 1));`).join('\n')}
      let inside = vec4<bool>(${cols.map((j) => `c${j} >= 0 && (c${j} < i32(u.W))`).join(', ')});`;
}
/** The 4 pixels at channel offset `xo`, zero outside the image (select, so padding never reads NaN·0). */
const maskedLoad = (xo: string) => `select(vec4f(0.0), vec4f(${cols.map((j) => `X[o${j} + ${xo}]`).join(', ')}), inside)`;

function storeOut(tm: number, bias: boolean, pixelIndex: (j: number) => string, pixelOk: (j: number) => string): string {
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

// ------------------------------------------------------------------------------------ conv2d gather

function forwardWgsl(tm: number, bias: boolean): string {
  const rows = rowsOf(tm);
  const reads: Array<[string, string]> = [['X', 'f32'], ['Wt', 'f32']];
  if (bias) reads.push(['bias', 'f32']);
  return `
${bindings(reads, [['out', 'f32']], UNIFORMS)}
${flatMain(WG, `  if (idx >= u.total) { return; }
  var r = idx;
  let xb = r % u.xBlocks; r = r / u.xBlocks;
  let oy = r % u.OH; r = r / u.OH;
  let n = r % u.N; r = r / u.N;
  let cb = r % u.cBlocks;
  let g = r / u.cBlocks;
  let co0 = cb * ${tm}u;
  let ox0 = xb * 4u;
  let iy0 = i32(oy * u.sy) - u.py;
${cols.map((j) => `  let ix${j} = i32((ox0 + ${j}u) * u.sx) - u.px;`).join('\n')}
  let taps = u.kh * u.kw;
  let KK = u.Kg * taps;
${rows.map((i) => `  let w${i} = (g * u.Mg + min(co0 + ${i}u, u.Mg - 1u)) * KK;\n  var acc${i} = vec4f(0.0);`).join('\n')}
  let xn = (n * u.Cin + g * u.Kg) * u.H * u.W;
  // Taps outside, channels inside: the bounds, masks and offsets of a tap are worked out once
  // for all Kg channels (integer work is scalar on CPU backends; the channel loop is pure FMA).
  let plane = u.H * u.W;
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = iy0 + i32(ky * u.dly);
    if (iy < 0 || iy >= i32(u.H)) { continue; }
    let xr = xn + u32(iy) * u.W;
    for (var kx = 0u; kx < u.kw; kx++) {
      let d = i32(kx * u.dlx);
${tapSetup('xr', (j) => `ix${j} + d`)}
      var wk = ky * u.kw + kx;
      var xo = 0u;
      for (var ci = 0u; ci < u.Kg; ci++) {
        let v = ${maskedLoad('xo')};
${rows.map((i) => `        acc${i} = fma(vec4f(Wt[w${i} + wk]), v, acc${i});`).join('\n')}
        wk += taps;
        xo += plane;
      }
    }
  }
${storeOut(tm, bias, (j) => `(oy * u.fy + u.ry) * u.FOW + (ox0 + ${j}u) * u.fx + u.rx`, (j) => `ox0 + ${j}u < u.OW`)}`)}`;
}

/**
 * The conv2d gather for CPU adapters with subgroups (`shuffle`): the forward kernel's layout, but
 * the 8 lanes of a subgroup share the same 8 output channels — the channel block comes from the
 * workgroup row, the pixel blocks from x — and lane l loads channel co0 + l's weight for each
 * (tap, channel) step, the others reading it with `subgroupShuffle`: one weight load per lane
 * instead of eight (loads, not FMAs, bound lavapipe). No early return and no divergent
 * `continue` around the shuffles: out-of-range threads and tap rows are masked instead.
 */
function forwardShuffleWgsl(bias: boolean, row3: boolean): string {
  const rows = rowsOf(SHUFFLE_LANES);
  const fmas = rows.map((i) => `acc${i} = fma(vec4f(subgroupShuffle(wv, ${i}u)), v, acc${i});`);
  // General taps: for each (ky, kx), the 4 pixels of every input channel.
  const anyTaps = `    for (var kx = 0u; kx < u.kw; kx++) {
      let d = i32(kx * u.dlx);
${tapSetup('xr', (j) => `ix${j} + d`)}
      let live = inside & vec4<bool>(rowOk);
      var wk = wLane + ky * u.kw + kx;
      var xo = 0u;
      for (var ci = 0u; ci < u.Kg; ci++) {
        let v = select(vec4f(0.0), vec4f(${cols.map((j) => `X[o${j} + xo]`).join(', ')}), live);
        let wv = Wt[wk];
${fmas.map((f) => `        ${f}`).join('\n')}
        wk += taps;
        xo += plane;
      }
    }`;
  // 3 taps wide, stride 1, no dilation: the thread's 4 pixels under the 3 taps of a row span 6
  // input pixels, loaded once per (row, channel) instead of 12 times.
  const p6 = [0, 1, 2, 3, 4, 5];
  const row3Taps = `${p6.map((p) => `    let c${p} = ix0 + ${p};\n    let q${p} = xr + u32(clamp(c${p}, 0, i32(u.W) - 1));\n    let ok${p} = rowOk && c${p} >= 0 && c${p} < i32(u.W);`).join('\n')}
    var wk = wLane + ky * 3u;
    var xo = 0u;
    for (var ci = 0u; ci < u.Kg; ci++) {
${p6.map((p) => `      let p${p} = select(0.0, X[q${p} + xo], ok${p});`).join('\n')}
${[0, 1, 2].map((kx) => `      {
        let v = vec4f(p${kx}, p${kx + 1}, p${kx + 2}, p${kx + 3});
        let wv = Wt[wk + ${kx}u];
${fmas.map((f) => `        ${f}`).join('\n')}
      }`).join('\n')}
      wk += taps;
      xo += plane;
    }`;
  const reads: Array<[string, string]> = [['X', 'f32'], ['Wt', 'f32']];
  if (bias) reads.push(['bias', 'f32']);
  return `enable subgroups;
${bindings(reads, [['out', 'f32']], UNIFORMS)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  let valid = gid.x < u.total;
  var r = min(gid.x, u.total - 1u);
  let xb = r % u.xBlocks; r = r / u.xBlocks;
  let oy = r % u.OH;
  let n = r / u.OH;
  let cb = wid.y % u.cBlocks;
  let g = wid.y / u.cBlocks;
  let co0 = cb * ${SHUFFLE_LANES}u;
  let ox0 = xb * 4u;
  let iy0 = i32(oy * u.sy) - u.py;
${cols.map((j) => `  let ix${j} = i32((ox0 + ${j}u) * u.sx) - u.px;`).join('\n')}
  let taps = u.kh * u.kw;
  let KK = u.Kg * taps;
  // This lane's weight row: channel co0 + lane (clamped), shared through the subgroup.
  let wLane = (g * u.Mg + min(co0 + lane % ${SHUFFLE_LANES}u, u.Mg - 1u)) * KK;
${rows.map((i) => `  var acc${i} = vec4f(0.0);`).join('\n')}
  let xn = (n * u.Cin + g * u.Kg) * u.H * u.W;
  let plane = u.H * u.W;
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = iy0 + i32(ky * u.dly);
    let rowOk = iy >= 0 && iy < i32(u.H);
    let xr = xn + u32(clamp(iy, 0, i32(u.H) - 1)) * u.W;
${row3 ? row3Taps : anyTaps}
  }
${storeOut(SHUFFLE_LANES, bias, (j) => `(oy * u.fy + u.ry) * u.FOW + (ox0 + ${j}u) * u.fx + u.rx`, (j) => `valid && ox0 + ${j}u < u.OW`)}
}`;
}

// ------------------------------------------------------------------------------------ conv_transpose2d gather

function transposedWgsl(tm: number, bias: boolean): string {
  const rows = rowsOf(tm);
  const reads: Array<[string, string]> = [['X', 'f32'], ['Wt', 'f32']];
  if (bias) reads.push(['bias', 'f32']);
  // xBlocks = sx · (blocks of 4 per phase); pixel j of a thread is x = phase + sx·(4·xq + j).
  return `
${bindings(reads, [['out', 'f32']], UNIFORMS)}
${flatMain(WG, `  if (idx >= u.total) { return; }
  var r = idx;
  let slot = r % u.xBlocks; r = r / u.xBlocks;
  let oy = r % u.OH; r = r / u.OH;
  let n = r % u.N; r = r / u.N;
  let cb = r % u.cBlocks;
  let g = r / u.cBlocks;
  let co0 = cb * ${tm}u;
  let phase = slot % u.sx;
  let ox0 = phase + u.sx * 4u * (slot / u.sx);
  let sy = i32(u.sy);
  let sx = i32(u.sx);
  let taps = u.kh * u.kw;
${rows.map((i) => `  let oc${i} = min(co0 + ${i}u, u.Mg - 1u);\n  var acc${i} = vec4f(0.0);`).join('\n')}
  let xn = (n * u.Cin + g * u.Kg) * u.H * u.W;
  let plane = u.H * u.W;
  let wStep = u.Mg * taps;
  for (var ky = 0u; ky < u.kh; ky++) {
    let ty = i32(oy) + u.py - i32(ky * u.dly);
    // Only taps landing on an input row contribute (ty = iy·s exactly).
    if (ty < 0 || ty % sy != 0 || ty / sy >= i32(u.H)) { continue; }
    let xr = xn + u32(ty / sy) * u.W;
    for (var kx = 0u; kx < u.kw; kx++) {
      let tx = i32(ox0) + u.px - i32(kx * u.dlx);
      if (((tx % sx) + sx) % sx != 0) { continue; }
      // Exact division (tx ≡ 0 mod s), so truncation is harmless for negative tx; the 4 pixels
      // of this phase read 4 consecutive input columns.
      let ix = tx / sx;
${tapSetup('xr', (j) => `ix + ${j}`)}
      let tap = ky * u.kw + kx;
${rows.map((i) => `      let wb${i} = ((g * u.Kg) * u.Mg + oc${i}) * taps + tap;`).join('\n')}
      var wo = 0u;
      var xo = 0u;
      for (var ci = 0u; ci < u.Kg; ci++) {
        let v = ${maskedLoad('xo')};
${rows.map((i) => `        acc${i} = fma(vec4f(Wt[wb${i} + wo]), v, acc${i});`).join('\n')}
        wo += wStep;
        xo += plane;
      }
    }
  }
${storeOut(tm, bias, (j) => `oy * u.OW + ox0 + ${j}u * u.sx`, (j) => `ox0 + ${j}u * u.sx < u.OW`)}`)}`;
}

// ------------------------------------------------------------------------------------ weight gradient

function weightGradWgsl(tm: number, shuffle = false): string {
  const rows = rowsOf(tm);
  // The shuffle form (tm = 8): lane l loads output channel co0 + l's gradient pixel for the whole
  // subgroup; the launch pads the K blocks to whole subgroups so a subgroup shares co0.
  const gLoad = shuffle
    ? `        let gv = G[p + gl * plane];
${rows.map((i) => `        acc${i} = fma(vec4f(subgroupShuffle(gv, ${i}u)), v, acc${i});`).join('\n')}`
    : rows.map((i) => `        acc${i} = fma(vec4f(G[p + gc${i} * plane]), v, acc${i});`).join('\n');
  // Reads: G = the "output-side" activation [N, Cout, OH, OW], X = the patch source [N, Cin, H, W].
  const head = shuffle
    ? `enable subgroups;
// Whole subgroups pass or leave the bounds check together (total is a multiple of 8).
diagnostic(off, subgroup_uniformity);
${bindings([['G', 'f32'], ['X', 'f32']], [['out', 'f32']], UNIFORMS)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let idx = (wid.x + wid.y * nwg.x) * ${WG}u + lid;`
    : `${bindings([['G', 'f32'], ['X', 'f32']], [['out', 'f32']], UNIFORMS)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.x + wid.y * nwg.x) * ${WG}u + lid;`;
  return `${head}
  if (idx >= u.total) { return; }
  let kb = idx % u.xBlocks;
  let rest = idx / u.xBlocks;
  let cb = rest % u.cBlocks;
  let g = rest / u.cBlocks;
  let co0 = cb * ${tm}u;
  let taps = u.kh * u.kw;
  let KK = u.Kg * taps;
${cols
  .map(
    (j) => `  let k${j} = min(kb * 4u + ${j}u, KK - 1u);
  let chan${j} = (g * u.Kg + k${j} / taps) * u.H * u.W;
  let offY${j} = i32(((k${j} % taps) / u.kw) * u.dly) - u.py;
  let offX${j} = i32((k${j} % u.kw) * u.dlx) - u.px;`,
  )
  .join('\n')}
${rows.map((i) => `  let gc${i} = g * u.Mg + min(co0 + ${i}u, u.Mg - 1u);\n  var acc${i} = vec4f(0.0);`).join('\n')}
${shuffle ? `  let gl = g * u.Mg + min(co0 + lane % ${tm}u, u.Mg - 1u);` : ''}
  let plane = u.OH * u.OW;
  for (var n = 0u; n < u.N; n++) {
    let xn = n * u.Cin * u.H * u.W;
    let gn = n * u.Cout * plane;
    for (var oy = 0u; oy < u.OH; oy++) {
      let by = i32(oy * u.sy);
${cols.map((j) => `      let iy${j} = by + offY${j};\n      let rowOk${j} = iy${j} >= 0 && iy${j} < i32(u.H);\n      let row${j} = xn + chan${j} + u32(clamp(iy${j}, 0, i32(u.H) - 1)) * u.W;`).join('\n')}
      for (var ox = 0u; ox < u.OW; ox++) {
        let bx = i32(ox * u.sx);
        let p = gn + oy * u.OW + ox;
        let v = vec4f(${cols.map((j) => `select(0.0, X[row${j} + u32(clamp(bx + offX${j}, 0, i32(u.W) - 1))], rowOk${j} && bx + offX${j} >= 0 && bx + offX${j} < i32(u.W))`).join(',\n          ')});
${gLoad}
      }
    }
  }
${rows
  .map(
    (i) => `  if (co0 + ${i}u < u.Mg) {
${cols.map((j) => `    if (kb * 4u + ${j}u < KK) { out[gc${i} * KK + kb * 4u + ${j}u] = acc${i}[${j}]; }`).join('\n')}
  }`,
  )
  .join('\n')}
}`;
}

type Mode = 'forward' | 'forwardShuffle' | 'forwardShuffleRow3' | 'transposed' | 'weightGrad' | 'weightGradShuffle';

export type Conv2dVariant = 'shuffle' | 'regblock' | 'tiled';

/**
 * The kernel shape for this adapter (`rt.variants.conv2d` overrides): `tiled` on GPUs, `shuffle`
 * on CPU adapters with subgroups of at least 8 lanes, `regblock` on other CPU adapters.
 *  - `shuffle`: the conv2d gather (forward, and convTranspose2d's input gradient) and the weight
 *    gradient have a shuffle form; groups with fewer than 8 output channels take `regblock`.
 *  - `tiled`: the conv2d gather runs as `tiledCorrelation` (workgroup-memory implicit GEMM).
 * The transposed gather has only the `regblock` form (most transposed convolutions avoid it:
 * `convTranspose2dPath`), and so does the weight gradient outside `shuffle`.
 */
export function conv2dVariant(rt: Tensor['rt']): Conv2dVariant {
  const auto = !rt.isSoftware ? 'tiled' : rt.subgroupMinSize >= SHUFFLE_LANES ? 'shuffle' : 'regblock';
  return rt.variant<Conv2dVariant>('conv2d', ['shuffle', 'regblock', 'tiled'], auto, { shuffle: SHUFFLE_LANES });
}
const cache = new Map<string, Kernel>();
function convKernel(mode: Mode, tm: number, bias: boolean): Kernel {
  const key = `${mode}:${tm}:${+bias}`;
  let k = cache.get(key);
  if (!k) {
    const op = mode === 'transposed' ? 'convTranspose2d' : mode === 'weightGrad' || mode === 'weightGradShuffle' ? 'conv2dWeightGrad' : 'conv2d';
    const wgsl = () =>
      mode === 'forward'
        ? forwardWgsl(tm, bias)
        : mode === 'forwardShuffle' || mode === 'forwardShuffleRow3'
          ? forwardShuffleWgsl(bias, mode === 'forwardShuffleRow3')
          : mode === 'transposed'
            ? transposedWgsl(tm, bias)
            : weightGradWgsl(tm, mode === 'weightGradShuffle');
    k = kernel(op, key, wgsl);
    cache.set(key, k);
  }
  return k;
}

// ------------------------------------------------------------------------------------ launches

/**
 * conv2d gather: x [N, Cin, H, W], w [Cout, Cin/g, kh, kw] → [N, Cout, OH, OW], or into one phase
 * of a larger output (`phase`; not on `tiled`, whose callers use the transposed gather instead).
 */
function runForward(x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry, phase?: OutputPhase): Tensor {
  const rt = x.rt;
  const Mg = g.Cout / g.groups;
  const Kg = g.Cin / g.groups;
  const tm = tmFor(Mg);
  const xBlocks = Math.ceil(g.OW / TN);
  const variant = conv2dVariant(rt);
  const grid = variant === 'tiled' && !phase ? tiledGrid(rt, g.N, g.groups, Mg, g.OH, g.OW) : null;
  if (grid) {
    return tiledCorrelation(
      {
        op: 'conv2d', x, weight: w, bias: bias ?? undefined, Cout: g.Cout, OH: g.OH, OW: g.OW, kh: g.kh, kw: g.kw,
        stride: [g.sy, g.sx], padding: [g.py, g.px], dilation: [g.dy, g.dx], groups: g.groups, wCo: Kg * g.kh * g.kw, wCi: g.kh * g.kw,
      },
      grid,
    );
  }
  const out = phase?.out ?? rt.empty([g.N, g.Cout, g.OH, g.OW], 'f32', 'conv2d');
  if (tm === SHUFFLE_LANES && variant === 'shuffle') {
    const cBlocks = Math.ceil(Mg / SHUFFLE_LANES);
    const total = xBlocks * g.OH * g.N;
    const row3 = g.kw === 3 && g.sx === 1 && g.dx === 1;
    rt.dispatch(convKernel(row3 ? 'forwardShuffleRow3' : 'forwardShuffle', SHUFFLE_LANES, !!bias), {
      read: bias ? [x, w, bias] : [x, w],
      write: [out],
      uniforms: uniforms(g, total, xBlocks, cBlocks, Kg, Mg, phase),
      workgroups: [Math.ceil(total / WG), cBlocks * g.groups, 1],
    });
    return out;
  }
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * g.OH * g.N * cBlocks * g.groups;
  rt.dispatch(convKernel('forward', tm, !!bias), {
    read: bias ? [x, w, bias] : [x, w],
    write: [out],
    uniforms: uniforms(g, total, xBlocks, cBlocks, Kg, Mg, phase),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

/** conv_transpose2d gather: x [N, Cin, H, W], w [Cin, Cout/g, kh, kw] → [N, Cout, OH, OW]. */
function runTransposed(x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry): Tensor {
  const rt = x.rt;
  const out = rt.empty([g.N, g.Cout, g.OH, g.OW], 'f32', 'convTranspose2d');
  const Mg = g.Cout / g.groups;
  const Kg = g.Cin / g.groups;
  const tm = tmFor(Mg);
  const xBlocks = g.sx * Math.ceil(Math.ceil(g.OW / g.sx) / TN);
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * g.OH * g.N * cBlocks * g.groups;
  rt.dispatch(convKernel('transposed', tm, !!bias), {
    read: bias ? [x, w, bias] : [x, w],
    write: [out],
    uniforms: uniforms(g, total, xBlocks, cBlocks, Kg, Mg),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

export type ConvTranspose2dPath = 'correlation' | 'gather';

/**
 * Whether a transposed convolution runs as correlations. Stride 1 with no output padding and
 * padding ≤ d·(k − 1): one correlation, on any conv2d kernel shape. Stride > 1 (dilation 1, every
 * phase with a tap: k ≥ s): one correlation per output phase, each storing into its phase of the
 * output — which only the register-blocked gathers do, so not where conv2d runs `tiled`.
 */
function correlationFits(rt: Tensor['rt'], g: Geometry, outPad: readonly [number, number]): boolean {
  if (g.sy === 1 && g.sx === 1) return outPad[0] === 0 && outPad[1] === 0 && g.py <= g.dy * (g.kh - 1) && g.px <= g.dx * (g.kw - 1);
  return g.dy === 1 && g.dx === 1 && g.kh >= g.sy && g.kw >= g.sx && conv2dVariant(rt) !== 'tiled';
}

/**
 * How convTranspose2d runs (`rt.variants.convTranspose2d` overrides): `correlation` where
 * {@link correlationFits} — the flipped, channel-swapped weight on the conv2d gather, so it gets
 * that op's kernel shape per adapter — else `gather`, the transposed gather above. Forcing
 * `correlation` where it does not fit runs `gather`.
 */
function convTranspose2dPath(rt: Tensor['rt'], g: Geometry, outPad: readonly [number, number]): ConvTranspose2dPath {
  const path = rt.variant<ConvTranspose2dPath>('convTranspose2d', ['correlation', 'gather'], 'correlation');
  return path === 'correlation' && correlationFits(rt, g, outPad) ? 'correlation' : 'gather';
}

/**
 * A transposed convolution as correlations (conv-flip-weight.ts has the algebra). Stride 1:
 * y = conv2d(x, ŵ) with padding d·(k − 1) − p — same output size, H + d·(k − 1) − 2p. Stride s:
 * output rows y = s·a + r (r < s) take the taps c = (r + p) mod s; with q = ⌊(r + p)/s⌋ and
 * L = ⌈(k − c)/s⌉ taps, row a of the phase is a stride-1 correlation of x with the phase's flipped
 * taps at padding L − 1 − q (negative pads skip leading rows), stored at rows s·a + r. Each
 * relayout moves the weights once; the gathers then have the forward's constant-stride rows
 * (row3, subgroup-shared weights) instead of the transposed gather's per-tap phase tests.
 */
function runTransposedAsCorrelation(x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry): Tensor {
  if (g.sy === 1 && g.sx === 1) {
    const wf = flipTransposeWeight(w, g.groups);
    const out = runForward(x, wf, bias, { ...g, py: g.dy * (g.kh - 1) - g.py, px: g.dx * (g.kw - 1) - g.px });
    wf.dispose();
    return out;
  }
  const out = x.rt.empty([g.N, g.Cout, g.OH, g.OW], 'f32', 'convTranspose2d');
  for (let ry = 0; ry < g.sy && ry < g.OH; ry++) {
    for (let rx = 0; rx < g.sx && rx < g.OW; rx++) {
      const cy = (ry + g.py) % g.sy;
      const cx = (rx + g.px) % g.sx;
      const Ly = phaseTaps(g.kh, g.sy, cy);
      const Lx = phaseTaps(g.kw, g.sx, cx);
      const wf = flipTransposeWeight(w, g.groups, [g.sy, g.sx], [cy, cx]);
      const phase: Geometry = {
        ...g, OH: Math.ceil((g.OH - ry) / g.sy), OW: Math.ceil((g.OW - rx) / g.sx), kh: Ly, kw: Lx, sy: 1, sx: 1,
        py: Ly - 1 - Math.floor((ry + g.py) / g.sy), px: Lx - 1 - Math.floor((rx + g.px) / g.sx),
      };
      runForward(x, wf, bias, phase, { out, fy: g.sy, fx: g.sx, ry, rx });
      wf.dispose();
    }
  }
  return out;
}

/**
 * dw [Cout, Cin/g, kh, kw] = Σ_pixels gy[n, co, oy, ox] · src[n, ci, oy·s − p + ky·d, ox·s − p + kx·d]
 * for gy [N, Cout, OH, OW] and src [N, Cin, H, W] (geometry as the conv2d that maps src to gy).
 */
function runWeightGrad(gy: Tensor, src: Tensor, g: Geometry): Tensor {
  const rt = gy.rt;
  const Mg = g.Cout / g.groups;
  const Kg = g.Cin / g.groups;
  const out = rt.empty([g.Cout, Kg, g.kh, g.kw], 'f32', 'conv2d weight gradient');
  const tm = tmFor(Mg);
  const shuffle = tm === SHUFFLE_LANES && conv2dVariant(rt) === 'shuffle';
  // K blocks of 4 taps; in the shuffle form padded to whole subgroups (a subgroup shares co0).
  const kBlocks = Math.ceil((Kg * g.kh * g.kw) / TN);
  const xBlocks = shuffle ? Math.ceil(kBlocks / SHUFFLE_LANES) * SHUFFLE_LANES : kBlocks;
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * cBlocks * g.groups;
  rt.dispatch(convKernel(shuffle ? 'weightGradShuffle' : 'weightGrad', tm, false), {
    read: [gy, src],
    write: [out],
    uniforms: uniforms(g, total, xBlocks, cBlocks, Kg, Mg),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

// ------------------------------------------------------------------------------------ arguments

function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number, shapes: string): [number, number] {
  const p = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((e) => Number.isInteger(e) && e >= min)) {
    throw new Error(`${op}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)} (${shapes})`);
  }
  return p as [number, number];
}

interface Checked {
  shapes: string;
  groups: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

function checkArgs(op: string, x: Tensor, w: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): Checked {
  const shapes = `x ${formatShape(x.shape)}, w ${formatShape(w.shape)}${bias ? `, bias ${formatShape(bias.shape)}` : ''}`;
  for (const t of [x, w, ...(bias ? [bias] : [])]) {
    x.rt.checkOwn(op, t);
    if (t.dtype !== 'f32') throw new Error(`${op}: expected f32 tensors, got ${t.dtype} (${shapes})`);
  }
  if (x.rank !== 4) throw new Error(`${op}: x must be [N, C, H, W] (${shapes})`);
  if (w.rank !== 4) throw new Error(`${op}: w must be rank 4 (${shapes})`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups} (${shapes})`);
  return {
    shapes,
    groups,
    stride: pair(op, 'stride', opts.stride, 1, 1, shapes),
    padding: pair(op, 'padding', opts.padding, 0, 0, shapes),
    dilation: pair(op, 'dilation', opts.dilation, 1, 1, shapes),
  };
}

function checkBias(op: string, bias: Tensor | null | undefined, channels: number, shapes: string): void {
  if (bias && (bias.rank !== 1 || bias.shape[0] !== channels)) {
    throw new Error(`${op}: bias must be a vector of ${channels} output channels (${shapes})`);
  }
}

// ------------------------------------------------------------------------------------ public ops

/** The geometry of conv2d(x, w [Cout, Cin/groups, kh, kw], opts): shapes checked, output size computed. */
function conv2dGeometry(op: string, x: Tensor, Cout: number, Cig: number, kh: number, kw: number, checked: Checked): Geometry {
  const { shapes, groups, stride, padding, dilation } = checked;
  const [N, Cin, H, W] = x.shape;
  if (Cin % groups !== 0 || Cout % groups !== 0) throw new Error(`${op}: groups ${groups} must divide the ${Cin} input and ${Cout} output channels (${shapes})`);
  if (Cig * groups !== Cin) throw new Error(`${op}: x has ${Cin} channels but w expects ${Cig}·${groups} groups = ${Cig * groups} (${shapes})`);
  const OH = Math.floor((H + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  if (OH < 1 || OW < 1) throw new Error(`${op}: the output would be ${OH}×${OW}: the kernel does not fit the padded input (${shapes})`);
  return {
    N, Cin, H, W, Cout, OH, OW, kh, kw,
    sy: stride[0], sx: stride[1], py: padding[0], px: padding[1], dy: dilation[0], dx: dilation[1], groups,
  };
}

/** conv2d's options of a geometry, plus the output padding that makes its transpose map OH×OW back to H×W. */
function optionsOf(g: Geometry): ConvTranspose2dOptions {
  return {
    stride: [g.sy, g.sx],
    padding: [g.py, g.px],
    dilation: [g.dy, g.dx],
    groups: g.groups,
    outputPadding: [
      g.H - ((g.OH - 1) * g.sy - 2 * g.py + g.dy * (g.kh - 1) + 1),
      g.W - ((g.OW - 1) * g.sx - 2 * g.px + g.dx * (g.kw - 1) + 1),
    ],
  };
}

/**
 * PyTorch `conv2d` (cross-correlation): x [N, Cin, H, W], w [Cout, Cin/groups, kh, kw],
 * bias [Cout]. Differentiable in x, w and bias, twice: its gradients are convTranspose2d and
 * conv2dWeightGrad, ops with backwards of their own (conv2d, convTranspose2d and
 * conv2dWeightGrad again) — R1 needs that.
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const checked = checkArgs(op, x, w, bias, opts);
  const [Cout, Cig, kh, kw] = w.shape;
  const geo = conv2dGeometry(op, x, Cout, Cig, kh, kw, checked);
  checkBias(op, bias, Cout, checked.shapes);
  const out = runForward(x, w, bias ?? null, geo);
  const inputs = bias ? [x, w, bias] : [x, w];
  return attach(
    out,
    op,
    inputs,
    (gy, ctx) => {
      const o = optionsOf(geo);
      // dx: the transposed conv of gy with the same weight, mapping OH×OW back to H×W (the same
      // launch as runTransposed on the swapped geometry, through the op so it is recorded).
      const dx = ctx.needs[0] ? convTranspose2d(gy, w, null, o) : null;
      const dw = ctx.needs[1] ? conv2dWeightGrad(x, gy, [kh, kw], o) : null;
      const db = bias && ctx.needs[2] ? sum(gy, [0, 2, 3]) : null;
      return bias ? [dx, dw, db] : [dx, dw];
    },
    { higherOrder: true },
  );
}

/**
 * conv2d's weight gradient as an op: dw [Cout, Cin/groups, kh, kw] = Σ over the batch and the
 * output pixels of gy[n, co, oy, ox] · x[n, ci, oy·s − p + ky·d, ox·s − p + kx·d], for
 * x [N, Cin, H, W] and gy [N, Cout, OH, OW] the shape conv2d(x, ·, opts) gives. It is bilinear:
 * its gradient in gy is conv2d(x, g), in x convTranspose2d(gy, g) — which makes conv2d's double
 * backward. (`outputPadding` in opts is ignored: the shapes fix it.)
 */
export function conv2dWeightGrad(x: Tensor, gy: Tensor, kernelSize: Pair, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2dWeightGrad';
  const shapes = `x ${formatShape(x.shape)}, gy ${formatShape(gy.shape)}, kernel ${JSON.stringify(kernelSize)}`;
  for (const t of [x, gy]) {
    x.rt.checkOwn(op, t);
    if (t.dtype !== 'f32') throw new Error(`${op}: expected f32 tensors, got ${t.dtype} (${shapes})`);
  }
  if (x.rank !== 4 || gy.rank !== 4) throw new Error(`${op}: x and gy must be [N, C, H, W] (${shapes})`);
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1, 1, shapes);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups} (${shapes})`);
  const checked: Checked = {
    shapes,
    groups,
    stride: pair(op, 'stride', opts.stride, 1, 1, shapes),
    padding: pair(op, 'padding', opts.padding, 0, 0, shapes),
    dilation: pair(op, 'dilation', opts.dilation, 1, 1, shapes),
  };
  const Cout = gy.shape[1];
  const geo = conv2dGeometry(op, x, Cout, x.shape[1] / groups, kh, kw, checked);
  if (gy.shape[0] !== geo.N || geo.OH !== gy.shape[2] || geo.OW !== gy.shape[3]) {
    throw new Error(`${op}: gy must be [${geo.N}, ${Cout}, ${geo.OH}, ${geo.OW}], the conv2d output for x (${shapes})`);
  }
  const out = runWeightGrad(gy, x, geo);
  return attach(
    out,
    op,
    [x, gy],
    (g, ctx) => {
      const o = optionsOf(geo);
      return [ctx.needs[0] ? convTranspose2d(gy, g, null, o) : null, ctx.needs[1] ? conv2d(x, g, null, o) : null];
    },
    { higherOrder: true },
  );
}

/**
 * PyTorch `conv_transpose2d`: x [N, Cin, H, W], w [Cin, Cout/groups, kh, kw], bias [Cout];
 * output (H − 1)·s − 2p + d·(kh − 1) + outputPadding + 1. Differentiable in x, w and bias, and
 * twice where outputPadding < stride (always, as conv2d's gradient).
 */
export function convTranspose2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  const { shapes, groups, stride, padding, dilation } = checkArgs(op, x, w, bias, opts);
  const [N, Cin, H, W] = x.shape;
  const [wIn, Cog, kh, kw] = w.shape;
  if (wIn !== Cin) throw new Error(`${op}: x has ${Cin} channels but w is for ${wIn} input channels (${shapes})`);
  if (Cin % groups !== 0) throw new Error(`${op}: groups ${groups} must divide the ${Cin} input channels (${shapes})`);
  const Cout = Cog * groups;
  checkBias(op, bias, Cout, shapes);
  const outPad = pair(op, 'outputPadding', opts.outputPadding, 0, 0, shapes);
  for (const a of [0, 1]) {
    if (outPad[a] >= stride[a] && outPad[a] >= dilation[a]) {
      throw new Error(`${op}: outputPadding ${outPad[a]} must be smaller than the stride ${stride[a]} or the dilation ${dilation[a]} (${shapes})`);
    }
  }
  const OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outPad[0] + 1;
  const OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outPad[1] + 1;
  if (OH < 1 || OW < 1) throw new Error(`${op}: the output would be ${OH}×${OW} (${shapes})`);
  const geo: Geometry = {
    N, Cin, H, W, Cout, OH, OW, kh, kw,
    sy: stride[0], sx: stride[1], py: padding[0], px: padding[1], dy: dilation[0], dx: dilation[1], groups,
  };
  const out = convTranspose2dPath(x.rt, geo, outPad) === 'correlation' ? runTransposedAsCorrelation(x, w, bias ?? null, geo) : runTransposed(x, w, bias ?? null, geo);
  const inputs = bias ? [x, w, bias] : [x, w];
  // With outputPadding ≥ stride (allowed below the dilation) the conv2d of the output has more rows
  // than x: the raw launches below crop, the ops could not.
  const asOps = outPad[0] < stride[0] && outPad[1] < stride[1];
  return attach(
    out,
    op,
    inputs,
    (gy, ctx) => {
      // The conv2d that maps the output back onto the input: gy [N, Cout, OH, OW] → [N, Cin, H, W].
      const back: Geometry = { ...geo, Cin: Cout, H: OH, W: OW, Cout: Cin, OH: H, OW: W };
      const o = { stride, padding, dilation, groups };
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      if (ctx.needs[0]) dx = asOps ? conv2d(gy, w, null, o) : runForward(gy, w, null, back);
      // dw[ci, co, ky, kx] = Σ x[ci, pixel] · gy[co, pixel·s − p + k·d]: x is the "output side".
      if (ctx.needs[1]) dw = asOps ? conv2dWeightGrad(gy, x, [kh, kw], o) : runWeightGrad(x, gy, back);
      const db = bias && ctx.needs[2] ? sum(gy, [0, 2, 3]) : null;
      return bias ? [dx, dw, db] : [dx, dw];
    },
    { higherOrder: asOps },
  );
}

/** Multiply-adds × 2 of a conv2d, for benchmarks. */
export function conv2dFlops(N: number, Cin: number, Cout: number, OH: number, OW: number, kh: number, kw: number, groups = 1): number {
  return 2 * N * (Cin / groups) * Cout * OH * OW * kh * kw;
}

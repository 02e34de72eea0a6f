/**
 * The `shuffle` gathers, for CPU adapters with subgroups of ≥ 8 lanes (lavapipe): the 8 lanes of a
 * subgroup share 8 output channels, lane l loads only channel co0 + l's weight and the others read
 * it with `subgroupShuffle` — one load per lane instead of eight; lavapipe compiles every lane's
 * load separately, so loads, not FMAs, set its speed. Shuffles need the whole subgroup in the same
 * control flow: no early return, out-of-range lanes compute on clamped addresses and are masked at
 * the store. Two weight layouts, one spec (spec.ts), as in regblock.ts:
 *  - `shuffleCorrelation`: the weight in place (conv2d's gather; 8 or more channels per group);
 *  - `shuffleRelaid`: the relaid weight (relaid.ts; modulatedConv2d), correlations with a window
 *    of input pixels per tap row, and transposed convolutions with every column phase in one lane.
 */
import { bindings, kernel, type Kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { uniformStruct } from '../../uniforms.js';
import { RELAID_FIELDS, type RelaidWeight, relaidReads, relaidValues, TCO } from './relaid.js';
import { type ConvSpec, SHUFFLE_LANES } from './spec.js';
import { cols, GATHER_UNIFORMS, gatherReads, gatherUniforms, rowsOf, storeOut, tapSetup, TN, WG } from './strided-gather.js';

// ------------------------------------------------------------------------------------ weight in place


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
        wk += wCi;
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
      wk += wCi;
      xo += plane;
    }`;
  return `enable subgroups;
${bindings(gatherReads(bias), [['out', 'f32']], GATHER_UNIFORMS.wgsl)}
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
  let wCi = u.wCi;
  // This lane's weight row: channel co0 + lane (clamped), shared through the subgroup.
  let wLane = g * u.wGroup + min(co0 + lane % ${SHUFFLE_LANES}u, u.Mg - 1u) * u.wCo;
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

/** The shuffle correlation of `c` (weight in place; callers take it for ≥ 8 channels per group): [N, Cout, OH, OW], or into `c.phase`. */
export function shuffleCorrelation(c: ConvSpec): Tensor {
  if (c.transposed || c.pre || c.post || c.flip) throw new Error(`${c.op}: shuffleCorrelation runs unscaled, unflipped correlations`);
  const rt = c.x.rt;
  const Mg = c.Cout / c.groups;
  const out = c.phase?.out ?? rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  const xBlocks = Math.ceil(c.OW / TN);
  const cBlocks = Math.ceil(Mg / SHUFFLE_LANES);
  const total = xBlocks * c.OH * c.N;
  const row3 = c.kw === 3 && c.sx === 1 && c.dx === 1;
  rt.dispatch(kernel(c.op, `shuffle:strided:${+row3}:${+!!c.bias}`, () => forwardShuffleWgsl(!!c.bias, row3)), {
    read: c.bias ? [c.x, c.weight, c.bias] : [c.x, c.weight],
    write: [out],
    uniforms: gatherUniforms(c, total, xBlocks, cBlocks),
    workgroups: [Math.ceil(total / WG), cBlocks * c.groups, 1],
  });
  return out;
}

// ------------------------------------------------------------------------------------ relaid weight

/** Invocations per workgroup in the `shuffle` kernels: one 8-lane subgroup, so little is lost to padding. */
export const SHUFFLE_WG = 8;
const SHUFFLE_UNIFORMS = uniformStruct({ ...RELAID_FIELDS, rowsPerClass: 'u32' });

/** The `shuffle` correlation; the tap width and stride are compile-time so the row window unrolls. */
interface ConvShuffleSpec {
  pre: boolean;
  post: boolean;
  kw: number;
  stride: number;
  /** Output pixels per lane along the row: 4 or 8 (a multiple of 4). */
  px: number;
}

/**
 * The correlation of `regblockRelaid` in the `shuffle` form (see `modulatedConv2dVariant`; transposed
 * convolutions take `convShuffleUpKernel`). Workgroup (x: pixel blocks, y: channel block, z:
 * sample). For each tap row ky, the thread loads the window of input pixels its P outputs (P = 4
 * or 8) read under all taps of that row — (P − 1)·S + kw, pixel j and tap kx reading
 * window[j·S + kx] — once per input channel, then runs the taps on registers. Lane l loads channel
 * co0 + l's weight (times the style) per tap and channel; all lanes read it through
 * `subgroupShuffle`.
 */
function convShuffleKernel(op: string, s: ConvShuffleSpec): Kernel {
  const key = `shuffle:relaid:${+s.pre}${+s.post}:${s.kw}:${s.stride}:${s.px}`;
  return kernel(op, key, () => {
    const reads = shuffleReads(s.pre, s.post);
    const S = s.stride;
    const P = s.px;
    // Accumulators: P/4 vec4s per output channel.
    const hs = [...Array(P / 4).keys()];
    const windowSize = (P - 1) * S + s.kw;
    const es = [...Array(windowSize).keys()];
    const ts = [...Array(s.kw).keys()];
    const cs = [...Array(TCO).keys()];
    const elem = (j: number, t: number) => j * S + t;
    const rowLoop = `for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(y * ${S}u + ky) - u.padY;`;
    // Input column of window element 0.
    const ix0 = `i32(${P}u * blk * ${S}u) - u.padX`;
    const tapBody = (t: number) => `        let wv = Wl[w${t}]${s.pre ? ' * sc' : ''};
${hs.map((h) => `        let xv${h} = vec4f(${[0, 1, 2, 3].map((j) => `x${elem(4 * h + j, t)}`).join(', ')});`).join('\n')}
${cs.map((c) => `        { let wc = vec4f(subgroupShuffle(wv, ${c}u));${hs.map((h) => ` acc${c}_${h} = fma(wc, xv${h}, acc${c}_${h});`).join('')} }`).join('\n')}`;
    const taps = ts.map((t) => `      {\n${tapBody(t)}\n      }`).join('\n');
    const store = storeShuffleOut(s.post, (c) =>
      hs.map((h) => ({ acc: `acc${c}_${h}`, ox: `${P}u * blk + ${4 * h}u + j` })),
    );
    return `enable subgroups;
${bindings(reads, [['out', 'f32']], SHUFFLE_UNIFORMS.wgsl)}
@compute @workgroup_size(${SHUFFLE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let n = wid.z;
  let co0 = wid.y * ${TCO}u;
  // No early return before the shuffles: lanes past the last block work on a clamped block.
  let blocks = u.Ho * u.nxb;
  let b = min(gid.x, blocks - 1u);
  let blk = b % u.nxb;
  let y = b / u.nxb;
  let valid = gid.x < blocks;
  let ix0 = ${ix0};
  let plane = u.H * u.W;
  let wStep = u.kh * u.kw * u.COp;
  let wLane = n * u.wlBatch + co0 + lane % ${SHUFFLE_LANES}u;
${cs.map((c) => hs.map((h) => `  var acc${c}_${h} = vec4f(0.0);`).join(' ')).join('\n')}
  ${rowLoop}
    let rowOk = iy >= 0 && iy < i32(u.H);
    let row = n * u.CI * plane + u32(clamp(iy, 0, i32(u.H) - 1)) * u.W;
${windowChannelLoop(es.length, ts.map((t) => `(ky * u.kw + ${t}u)`), taps, s.pre)}
  }
${store}
}`;
  });
}

/** The bindings both shuffle convolutions read: input, relaid-out weight, and the optional scales. */
function shuffleReads(pre: boolean, post: boolean): Array<[string, string]> {
  return [['X', 'f32'], ['Wl', 'f32'], ...(pre ? [['pre', 'f32'] as [string, string]] : []), ...(post ? [['post', 'f32'] as [string, string]] : [])];
}

/**
 * The store of both shuffle convolutions: per output channel co0 + c (masked by `valid` and CO),
 * each vec4 accumulator `acc` to output columns `ox` (a WGSL expression of j = 0…3), times the
 * channel's `post` scale when given.
 */
function storeShuffleOut(post: boolean, blocks: (c: number) => Array<{ acc: string; ox: string }>): string {
  return [...Array(TCO).keys()]
    .map(
      (c) => `  if (valid && co0 + ${c}u < u.CO) {
    let co = co0 + ${c}u;
    let scale = ${post ? 'post[n * u.CO + co]' : '1.0'};
    let obase = ((n * u.CO + co) * u.Ho + y) * u.Wo;
${blocks(c)
  .map(
    (b) => `    for (var j = 0u; j < 4u; j++) {
      let ox = ${b.ox};
      if (ox < u.Wo) { out[obase + ox] = ${b.acc}[j] * scale; }
    }`,
  )
  .join('\n')}
  }`,
    )
    .join('\n');
}

/**
 * What both shuffle convolutions do per tap row: the clamped addresses and masks (0 outside the
 * input) of `windowSize` input columns from ix0 of row `row`, fixed over the channel loop; weight
 * cursors w0, w1, … at the given taps; then per input channel the window's loads (x0, x1, …), the
 * style `sc` when `pre`, and the `taps` text, which reads them.
 */
function windowChannelLoop(windowSize: number, weightTaps: readonly string[], taps: string, pre: boolean): string {
  const es = [...Array(windowSize).keys()];
  return `${es.map((e) => `    let o${e} = row + u32(clamp(ix0 + ${e}, 0, i32(u.W) - 1));
    let m${e} = select(0.0, 1.0, rowOk && ix0 + ${e} >= 0 && ix0 + ${e} < i32(u.W));`).join('\n')}
${weightTaps.map((tap, i) => `    var w${i} = wLane + ${tap} * u.COp;`).join('\n')}
    var xo = 0u;
    for (var ci = 0u; ci < u.CI; ci++) {
${es.map((e) => `      let x${e} = X[o${e} + xo] * m${e};`).join('\n')}
${pre ? '      let sc = pre[n * u.CI + ci];' : ''}
${taps}
${weightTaps.map((_, i) => `      w${i} += wStep;`).join('\n')}
      xo += plane;
    }`;
}

/** The transposed `shuffle` convolution with every column phase in one lane (see `convShuffleUpKernel`). */
interface ConvShuffleUpSpec {
  pre: boolean;
  post: boolean;
  kw: number;
  stride: number;
  /** padX mod stride: fixes which taps each column phase uses, so the window unrolls. */
  r: number;
}

/** Input columns (m) per lane and phase. */
const UP_PX = 4;

/**
 * The transposed convolution (StyleGAN2's up-2 layers) in the `shuffle` form with all S column
 * phases in one lane. Output column ox = ph + S·m reads input column m + ⌊(ph + padX)/S⌋ − t under
 * tap kx = (ph + padX) mod S + t·S. Lanes own UP_PX consecutive m, so every phase of those m is
 * read from one window of input columns. With S = 2 and kw = 3 that is 5 loads plus 3 weight loads
 * per (channel, tap row) for 96 FMAs. One phase per lane, as `convShuffleKernel` does, needs 7 loads
 * for 64 FMAs or 5 for 32. Output rows keep one phase per workgroup (wid.y: channel block ×
 * row phase).
 */
function convShuffleUpKernel(op: string, s: ConvShuffleUpSpec): Kernel {
  const key = `shuffle:relaidUp:${+s.pre}${+s.post}:${s.kw}:${s.stride}:${s.r}`;
  return kernel(op, key, () => {
    const reads = shuffleReads(s.pre, s.post);
    const S = s.stride;
    const P = UP_PX;
    const phases = [...Array(S).keys()].map((ph) => {
      const kx0 = (ph + s.r) % S;
      return { ph, kx0, dq: Math.floor((ph + s.r) / S), nt: Math.max(0, Math.ceil((s.kw - kx0) / S)) };
    });
    const live = phases.filter((q) => q.nt > 0);
    const minOff = Math.min(...live.map((q) => q.dq - (q.nt - 1)));
    const maxOff = Math.max(...live.map((q) => q.dq)) + P - 1;
    const es = [...Array(maxOff - minOff + 1).keys()];
    const cs = [...Array(TCO).keys()];
    const ks = [...Array(s.kw).keys()];
    const js = [0, 1, 2, 3];
    const taps = live
      .flatMap((q) =>
        [...Array(q.nt).keys()].map((t) => {
          const kx = q.kx0 + t * S;
          const xv = `vec4f(${js.map((j) => `x${q.dq - t + j - minOff}`).join(', ')})`;
          return `      {
      let wv = Wl[w${kx}]${s.pre ? ' * sc' : ''};
      let xv = ${xv};
${cs.map((c) => `        acc${c}_${q.ph} = fma(vec4f(subgroupShuffle(wv, ${c}u)), xv, acc${c}_${q.ph});`).join('\n')}
    }`;
        }),
      )
      .join('\n');
    const store = storeShuffleOut(s.post, (c) => phases.map((q) => ({ acc: `acc${c}_${q.ph}`, ox: `${q.ph}u + ${S}u * (${P}u * blk + j)` })));
    return `enable subgroups;
${bindings(reads, [['out', 'f32']], SHUFFLE_UNIFORMS.wgsl)}
@compute @workgroup_size(${SHUFFLE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let n = wid.z;
  let py = wid.y % ${S}u;
  let co0 = (wid.y / ${S}u) * ${TCO}u;
  // No early return before the shuffles: lanes past the row phase's blocks work on a clamped block.
  let blocks = u.rowsPerClass * u.nxb;
  let b = min(gid.x, blocks - 1u);
  let blk = b % u.nxb;
  let y = py + ${S}u * (b / u.nxb);
  let valid = gid.x < blocks && y < u.Ho;
  // Input column of window element 0 (padX ≥ 0 and padX ≡ ${s.r} mod ${S}, so the division is exact).
  let ix0 = i32(${P}u * blk) + (u.padX - ${s.r}) / ${S} + ${minOff};
  let plane = u.H * u.W;
  let wStep = u.kh * u.kw * u.COp;
  let wLane = n * u.wlBatch + co0 + lane % ${SHUFFLE_LANES}u;
${cs.map((c) => phases.map((q) => `var acc${c}_${q.ph} = vec4f(0.0);`).join(' ')).map((l) => `  ${l}`).join('\n')}
  for (var ky = (py + u32(u.padY)) % ${S}u; ky < u.kh; ky += ${S}u) {
    let iy = (i32(y) + u.padY - i32(ky)) / ${S};
    let rowOk = iy >= 0 && iy < i32(u.H);
    let row = n * u.CI * plane + u32(clamp(iy, 0, i32(u.H) - 1)) * u.W;
${windowChannelLoop(es.length, ks.map((kx) => `(ky * u.kw + ${kx}u)`), taps, s.pre)}
  }
${store}
}`;
  });
}

/**
 * The shuffle form of `regblockRelaid`, or null where it does not fit: the tap window unrolls, so
 * kw ≤ 7 and stride ≤ 4 (the sizes a generator meets); transposed convolutions need padX ≥ 0
 * (every plan and adjoint of modulatedConv2d gives it); and the grid must fit the 65535 limit.
 * Correlations take 8 output pixels per lane on rows of ≥ 16 (fewer window loads per FMA:
 * 512 ch 32 px 218 → 185 ms, 128 ch 128 px 214 → 175 ms), else 4. Transposed convolutions take
 * every column phase in one lane (256 ch 32 → 64 px: 87 → 43 ms).
 */
export function shuffleRelaid(c: ConvSpec, relaid: RelaidWeight): Tensor | null {
  if (c.kw > 7 || c.sy > 4 || (c.transposed && c.px < 0)) return null;
  const phases = c.transposed ? c.sy : 1;
  const columns = c.transposed ? Math.ceil(c.OW / c.sy) : c.OW;
  const rowsPerClass = Math.ceil(c.OH / phases);
  const px = c.transposed ? UP_PX : columns >= 16 ? 8 : 4;
  const blocksX = Math.ceil(columns / px);
  const grid: [number, number, number] = [Math.ceil((rowsPerClass * blocksX) / SHUFFLE_WG), (relaid.COp / TCO) * phases, c.N];
  if (!grid.every((count) => count <= 65535)) return null;
  const pre = !!c.pre;
  const post = !!c.post;
  const k = c.transposed
    ? convShuffleUpKernel(c.op, { pre, post, kw: c.kw, stride: c.sy, r: c.px % c.sy })
    : convShuffleKernel(c.op, { pre, post, kw: c.kw, stride: c.sy, px });
  const out = c.x.rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  c.x.rt.dispatch(k, {
    read: relaidReads(c, relaid),
    write: [out],
    uniforms: SHUFFLE_UNIFORMS.pack({ ...relaidValues(c, relaid, blocksX, phases), rowsPerClass }),
    workgroups: grid,
  });
  return out;
}

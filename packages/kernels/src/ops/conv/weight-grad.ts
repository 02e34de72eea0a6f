/**
 * Weight gradients: dw[co, ci, k] = Σ over samples and pixels of gy[n, co, ·] · x[n, ci, ·] over
 * the pixel pairs tap k links, for the convolution `c` of spec.ts that maps x to gy.
 *  - `weightGradStrided` (conv2d, convTranspose2d): a thread owns TM output channels × 4 of the
 *    (ci, ky, kx) taps (strided-gather.ts); in the `shuffle` form (TM = 8) lane l loads output
 *    channel co0 + l's gradient pixel for the whole subgroup.
 *  - `weightGradScaled` (modulatedConv2d, groups 1): the scales of the spec enter the sums (x·pre,
 *    gy·post) and, with demodulation, the term − w·Σ_n q[n, co]·pre[n, ci]²; 4 o × 4 i of one tap
 *    per thread, or in the `shuffle` form 8 o per subgroup × `ipl` i × one tap row per lane.
 */
import { bindings, flatMain, kernel, type Kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { uniformStruct } from '../../uniforms.js';
import { TCO } from './relaid.js';
import { SHUFFLE_WG } from './shuffle.js';
import { type ConvGeometry, type ConvSpec, SHUFFLE_LANES } from './spec.js';
import { cols, GATHER_UNIFORMS, gatherUniforms, rowsOf, tmFor, TN, WG } from './strided-gather.js';

// ------------------------------------------------------------------------------------ unscaled, any groups

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
${bindings([['G', 'f32'], ['X', 'f32']], [['out', 'f32']], GATHER_UNIFORMS.wgsl)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let idx = (wid.x + wid.y * nwg.x) * ${WG}u + lid;`
    : `${bindings([['G', 'f32'], ['X', 'f32']], [['out', 'f32']], GATHER_UNIFORMS.wgsl)}
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

/**
 * dw [Cout, Cin/g, kh, kw] = Σ_pixels gy[n, co, oy, ox] · src[n, ci, oy·s − p + ky·d, ox·s − p + kx·d]
 * for gy [N, Cout, OH, OW] and src [N, Cin, H, W] (geometry `g` as the conv2d that maps src to gy);
 * `shuffle` asks for the subgroup form, taken where a thread owns 8 output channels.
 */
export function weightGradStrided(op: string, gy: Tensor, src: Tensor, g: ConvGeometry, shuffle: boolean): Tensor {
  const rt = gy.rt;
  const Mg = g.Cout / g.groups;
  const Kg = g.Cin / g.groups;
  const out = rt.empty([g.Cout, Kg, g.kh, g.kw], 'f32', 'conv2d weight gradient');
  const tm = tmFor(Mg);
  const useShuffle = shuffle && tm === SHUFFLE_LANES;
  // K blocks of 4 taps; in the shuffle form padded to whole subgroups (a subgroup shares co0).
  const kBlocks = Math.ceil((Kg * g.kh * g.kw) / TN);
  const xBlocks = useShuffle ? Math.ceil(kBlocks / SHUFFLE_LANES) * SHUFFLE_LANES : kBlocks;
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * cBlocks * g.groups;
  rt.dispatch(kernel(op, `weightGrad:strided:${tm}:${+useShuffle}`, () => weightGradWgsl(tm, useShuffle)), {
    read: [gy, src],
    write: [out],
    uniforms: gatherUniforms(g, total, xBlocks, cBlocks),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

// ------------------------------------------------------------------------------------ scaled (modulated)

const MOD_GRAD_UNIFORMS = uniformStruct({
  N: 'u32', CI: 'u32', CO: 'u32', H: 'u32', W: 'u32', Ho: 'u32', Wo: 'u32', kh: 'u32', kw: 'u32', S: 'u32', padY: 'i32', padX: 'i32',
});

/**
 * dw[o,i,k] = Σ_n d[n,o]·s[n,i] · Σ_p g[n,o,·]·x[n,i,·] over the pixel pairs tap k links
 * (− w·Σ_n q[n,o]·s[n,i]² with demodulation). A thread owns 4 o × 4 i of one tap; it walks the
 * undecimated side (the output for a correlation, the input for a transposed convolution) over
 * the exact range whose partner pixel lies inside the other side, so the loop has no branches.
 */
interface WeightGradSpec {
  transposed: boolean;
  flip: boolean;
  demod: boolean;
}
/**
 * The weight gradient in the `shuffle` form, one tap row per thread. A workgroup (one 8-lane
 * subgroup) shares 8 output channels and one tap row ky (workgroup y); each lane owns `ipl` input
 * channels (workgroup x) and all kw taps of that row. Along a pixel row the tap side is a sliding
 * window: stepping one pixel reads S new values and reuses kw − S in registers. So per pixel a
 * lane with one input channel makes 1 + S loads (its dense-side value, its new window values) for
 * 8·kw multiply-adds. The one-tap-per-thread form made 5 loads for 32 (lavapipe's cost is in the
 * loads).
 * The sides: for a correlation the dense side is g (output channels, shared through
 * `subgroupShuffle`) and the window slides over x; for a transposed convolution the dense side is
 * x and the window slides over g. Per-sample scales are applied as values are loaded (g·d, x·s),
 * so the sums run over samples and pixels at once; the demodulation term Σ_n q·s² follows.
 */
function weightGradRowsKernel(op: string, s: WeightGradSpec & { kw: number; stride: number; ipl: number }): Kernel {
  const key = `weightGrad:scaledRows:${+s.transposed}${+s.flip}${+s.demod}:${s.kw}:${s.stride}:${s.ipl}`;
  return kernel(op, key, () => {
    const reads: Array<[string, string]> = [['G', 'f32'], ['X', 'f32'], ['S', 'f32']];
    if (s.demod) reads.push(['D', 'f32'], ['Wt', 'f32'], ['Q', 'f32']);
    const KW = s.kw;
    const ST = s.stride;
    const os = [...Array(TCO).keys()];
    const ts = [...Array(KW).keys()];
    const ics = [...Array(s.ipl).keys()];
    // Dense side (walked pixel by pixel) and tap side (read at q·S − P + k). The input-channel
    // side has one value (or window) per lane channel c; the output side is the lane's oLane.
    const [AH, AW, BH, BW] = s.transposed ? ['u.H', 'u.W', 'u.Ho', 'u.Wo'] : ['u.Ho', 'u.Wo', 'u.H', 'u.W'];
    const iPlane = (c: number) => `(n * u.CI + iLane${c}) * u.H * u.W`;
    const oPlane = '(n * u.CO + oLane) * u.Ho * u.Wo';
    const tapVal = (buf: string, row: string, col: string, t: number, scale: string) =>
      `select(0.0, ${buf}[${row} + u32(clamp(${col} + ${t}, 0, i32(${BW}) - 1))] * ${scale}, ${col} + ${t} >= 0 && ${col} + ${t} < i32(${BW}))`;
    // Windows: w{c}_{t} over x for a correlation (one per lane channel), w_{t} over g for a transposed one.
    const win = (c: number, t: number) => (s.transposed ? `w_${t}` : `w${c}_${t}`);
    const winKeys = s.transposed ? [null] : ics;
    const winLoad = (c: number | null, t: number, col: string) =>
      s.transposed ? tapVal('G', 'tapRow', col, t, 'dLane') : tapVal('X', `tapRow${c}`, col, t, `sLane${c}`);
    const carried = ts.filter((t) => t + ST < KW);
    const fresh = ts.filter((t) => t + ST >= KW);
    const tapIndex = (t: number) => (s.flip ? `(u.kh - 1u - ky) * u.kw + ${KW - 1 - t}u` : `ky * u.kw + ${t}u`);
    const body = s.transposed
      ? `${ics.map((c) => `        let dv${c} = X[denseRow${c} + qx] * sLane${c};`).join('\n')}
${os.map((o) => ts.map((t) => `        { let gs = subgroupShuffle(w_${t}, ${o}u);${ics.map((c) => ` acc${o}_${t}_${c} = fma(gs, dv${c}, acc${o}_${t}_${c});`).join('')} }`).join('\n')).join('\n')}`
      : `        let dv = G[denseRow + qx] * dLane;
${os.map((o) => `        { let g = subgroupShuffle(dv, ${o}u);${ts.map((t) => ics.map((c) => ` acc${o}_${t}_${c} = fma(g, w${c}_${t}, acc${o}_${t}_${c});`).join('')).join('')} }`).join('\n')}`;
    return `enable subgroups;
${bindings(reads, [['DW', 'f32']], MOD_GRAD_UNIFORMS.wgsl)}
@compute @workgroup_size(${SHUFFLE_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let ky = wid.y % u.kh;
  let o0 = (wid.y / u.kh) * ${TCO}u;
  let iFirst = (wid.x * ${SHUFFLE_WG}u + lane % ${SHUFFLE_WG}u) * ${s.ipl}u;
${ics.map((c) => `  let iLane${c} = min(iFirst + ${c}u, u.CI - 1u);`).join('\n')}
  let oLane = min(o0 + lane % ${TCO}u, u.CO - 1u);
${os.map((o) => ts.map((t) => ics.map((c) => `var acc${o}_${t}_${c} = 0.0;`).join(' ')).join(' ')).map((l) => `  ${l}`).join('\n')}
  for (var n = 0u; n < u.N; n++) {
${ics.map((c) => `    let sLane${c} = S[n * u.CI + iLane${c}];`).join('\n')}
    let dLane = ${s.demod ? 'D[n * u.CO + oLane]' : '1.0'};
    for (var qy = 0u; qy < ${AH}; qy++) {
    let by = i32(qy * ${ST}u + ky) - u.padY;
    if (by < 0 || by >= i32(${BH})) { continue; }
${s.transposed
  ? `      let tapRow = ${oPlane} + u32(by) * ${BW};
${ics.map((c) => `      let denseRow${c} = ${iPlane(c)} + qy * ${AW};`).join('\n')}`
  : `${ics.map((c) => `      let tapRow${c} = ${iPlane(c)} + u32(by) * ${BW};`).join('\n')}
    let denseRow = ${oPlane} + qy * ${AW};`}
    // The window before pixel 0: the values pixel 0 carries over (taps t + S of pixel −1).
${winKeys.map((c) => ts.map((t) => `      var ${win(c ?? 0, t)} = ${t >= ST ? winLoad(c, t, `-${ST} - u.padX`) : '0.0'};`).join('\n')).join('\n')}
    for (var qx = 0u; qx < ${AW}; qx++) {
      let col = i32(qx * ${ST}u) - u.padX;
${winKeys.map((c) => carried.map((t) => `        ${win(c ?? 0, t)} = ${win(c ?? 0, t + ST)};`).join('\n')).join('\n')}
${winKeys.map((c) => fresh.map((t) => `        ${win(c ?? 0, t)} = ${winLoad(c, t, 'col')};`).join('\n')).join('\n')}
${body}
    }
    }
  }
${s.demod ? `  // Demodulation term: Σ_n q[n, o] · s[n, i]².
${os.map((o) => ics.map((c) => `var dem${o}_${c} = 0.0;`).join(' ')).map((l) => `  ${l}`).join('\n')}
  for (var n = 0u; n < u.N; n++) {
    let qv = Q[n * u.CO + oLane];
${ics.map((c) => `    let sv${c} = S[n * u.CI + iLane${c}];`).join('\n')}
${os.map((o) => `    { let q = subgroupShuffle(qv, ${o}u);${ics.map((c) => ` dem${o}_${c} = fma(q, sv${c} * sv${c}, dem${o}_${c});`).join('')} }`).join('\n')}
  }` : ''}
  let kk = u.kh * u.kw;
${ics
  .map(
    (c) => `  if (iFirst + ${c}u < u.CI) {
${os
  .map(
    (o) => `    if (o0 + ${o}u < u.CO) {
    let base = ((o0 + ${o}u) * u.CI + iFirst + ${c}u) * kk;
${ts.map((t) => `      { let wi = base + ${tapIndex(t)}; DW[wi] = acc${o}_${t}_${c}${s.demod ? ` - Wt[wi] * dem${o}_${c}` : ''}; }`).join('\n')}
    }`,
  )
  .join('\n')}
  }`,
  )
  .join('\n')}
}`;
  });
}

function weightGradKernel(op: string, s: WeightGradSpec): Kernel {
  const key = `weightGrad:scaled:${+s.transposed}${+s.flip}${+s.demod}`;
  return kernel(op, key, () => {
    const reads: Array<[string, string]> = [['G', 'f32'], ['X', 'f32'], ['S', 'f32']];
    if (s.demod) reads.push(['D', 'f32'], ['Wt', 'f32'], ['Q', 'f32']);
    // A: the side walked densely; B: the side read at q·S − P + k.
    const [AH, AW, BH, BW] = s.transposed ? ['u.H', 'u.W', 'u.Ho', 'u.Wo'] : ['u.Ho', 'u.Wo', 'u.H', 'u.W'];
    const gPix = s.transposed ? 'by * u.Wo + bx' : 'qy * u.Wo + qx';
    const xPix = s.transposed ? 'qy * u.W + qx' : 'by * u.W + bx';
    const tap = s.flip ? '(u.kh - 1u - ky) * u.kw + (u.kw - 1u - kx)' : 'ky * u.kw + kx';
    const oi = [0, 1, 2, 3];
    return `
${bindings(reads, [['DW', 'f32']], MOD_GRAD_UNIFORMS.wgsl)}
fn floorDiv(a: i32, b: i32) -> i32 { return select((a - b + 1) / b, a / b, a >= 0); }
fn ceilDiv(a: i32, b: i32) -> i32 { return select(a / b, (a + b - 1) / b, a >= 0); }
${flatMain(WG, `  let kk = u.kh * u.kw;
  let cob = (u.CO + 3u) / 4u;
  let cib = (u.CI + 3u) / 4u;
  if (idx >= cob * cib * kk) { return; }
  let k = idx % kk;
  let ky = k / u.kw; let kx = k % u.kw;
  let iBase = ((idx / kk) % cib) * 4u;
  let oBase = (idx / (kk * cib)) * 4u;
  let st = i32(u.S);
  // q range with 0 <= q·S − P + k < B, per axis.
  let qy0 = u32(max(0, ceilDiv(u.padY - i32(ky), st)));
  let qy1 = min(i32(${AH}) - 1, floorDiv(i32(${BH}) - 1 + u.padY - i32(ky), st));
  let qx0 = u32(max(0, ceilDiv(u.padX - i32(kx), st)));
  let qx1 = min(i32(${AW}) - 1, floorDiv(i32(${BW}) - 1 + u.padX - i32(kx), st));
${oi.map((a) => `  let o${a} = min(oBase + ${a}u, u.CO - 1u);`).join('\n')}
${oi.map((b) => `  let i${b} = min(iBase + ${b}u, u.CI - 1u);`).join('\n')}
${oi.map((a) => `  var acc${a} = vec4f(0.0);`).join('\n')}
${s.demod ? oi.map((a) => `  var dem${a} = vec4f(0.0);`).join('\n') : ''}
  let gPlane = u.Ho * u.Wo;
  let xPlane = u.H * u.W;
  for (var n = 0u; n < u.N; n++) {
${oi.map((a) => `    var p${a} = vec4f(0.0);`).join('\n')}
${oi.map((a) => `    let g${a} = (n * u.CO + o${a}) * gPlane;`).join('\n')}
${oi.map((b) => `    let x${b} = (n * u.CI + i${b}) * xPlane;`).join('\n')}
    for (var qyi = i32(qy0); qyi <= qy1; qyi++) {
    let qy = u32(qyi);
    let by = u32(qyi * st - u.padY + i32(ky));
    for (var qxi = i32(qx0); qxi <= qx1; qxi++) {
      let qx = u32(qxi);
      let bx = u32(qxi * st - u.padX + i32(kx));
      let gp = ${gPix};
      let xp = ${xPix};
      let xv = vec4f(X[x0 + xp], X[x1 + xp], X[x2 + xp], X[x3 + xp]);
${oi.map((a) => `        p${a} = fma(vec4f(G[g${a} + gp]), xv, p${a});`).join('\n')}
    }
    }
    let sv = vec4f(S[n * u.CI + i0], S[n * u.CI + i1], S[n * u.CI + i2], S[n * u.CI + i3]);
${oi
  .map((a) =>
    s.demod
    ? `    acc${a} = fma(p${a} * D[n * u.CO + o${a}], sv, acc${a});
    dem${a} = fma(vec4f(Q[n * u.CO + o${a}]), sv * sv, dem${a});`
    : `    acc${a} = fma(p${a}, sv, acc${a});`,
  )
  .join('\n')}
  }
  let t = ${tap};
${oi
  .map(
    (a) => `  if (oBase + ${a}u < u.CO) {
    for (var b = 0u; b < 4u; b++) {
    if (iBase + b < u.CI) {
      let wi = ((oBase + ${a}u) * u.CI + iBase + b) * kk + t;
      DW[wi] = acc${a}[b]${s.demod ? ` - Wt[wi] * dem${a}[b]` : ''};
    }
    }
  }`,
  )
  .join('\n')}`)}`;
  });
}


/**
 * The weight gradient of the scaled convolution `c` (x = c.x, pre = styles, post = demodulation or
 * none, groups 1, one stride) for the output gradient gz; q[n, co] = d²·Σ_p gz·z is the
 * demodulation term's coefficient (given with post). `shuffle` asks for the subgroup form, taken
 * where the tap window unrolls (kw ≤ 7, stride ≤ 4).
 */
export function weightGradScaled(c: ConvSpec, gz: Tensor, q: Tensor | undefined, shuffle: boolean): Tensor {
  if (!c.pre || !!c.post !== !!q || c.groups !== 1 || c.sy !== c.sx || c.dy !== 1 || c.dx !== 1) {
    throw new Error(`${c.op}: weightGradScaled takes styles (pre), groups 1, one stride, no dilation, and q with demodulation`);
  }
  const rt = gz.rt;
  const dw = rt.empty(c.weight.shape, 'f32', c.op);
  const spec = { transposed: c.transposed, flip: c.flip, demod: !!c.post };
  const read = [gz, c.x, c.pre, ...(c.post ? [c.post, c.weight, q!] : [])];
  const uniforms = MOD_GRAD_UNIFORMS.pack({
    N: c.N, CI: c.Cin, CO: c.Cout, H: c.H, W: c.W, Ho: c.OH, Wo: c.OW, kh: c.kh, kw: c.kw, S: c.sy, padY: c.py, padX: c.px,
  });
  if (shuffle && c.kw <= 7 && c.sy <= 4) {
    // Two input channels per lane: 3 loads per 16·kw FMAs at stride 1 (512 ch 32 px 295 → 270 ms;
    // three measured no better).
    const ipl = 2;
    const workgroups: [number, number, number] = [Math.ceil(c.Cin / (SHUFFLE_WG * ipl)), Math.ceil(c.Cout / TCO) * c.kh, 1];
    rt.dispatch(weightGradRowsKernel(c.op, { ...spec, kw: c.kw, stride: c.sy, ipl }), { read, write: [dw], uniforms, workgroups });
  } else {
    const kk = c.kh * c.kw;
    rt.dispatch(weightGradKernel(c.op, spec), { read, write: [dw], uniforms, workgroups: Math.ceil((Math.ceil(c.Cout / 4) * Math.ceil(c.Cin / 4) * kk) / WG) });
  }
  return dw;
}

/**
 * The register-blocked gathers (`regblock`): no workgroup memory and no barriers, what lavapipe
 * wants. Two weight layouts, one spec (spec.ts):
 *  - `regblockCorrelation` reads the weight in place through the spec's strides (conv2d, and its
 *    transposed convolutions run as correlations). A thread owns TM output channels × 4
 *    consecutive pixels of one output row (strided-gather.ts), so a tap row outside the image is
 *    skipped for all 4 at once; taps are the outer loops and the Kg input channels the inner one,
 *    so a tap's bounds, masks and offsets are worked out once for all channels. It can store into
 *    one phase of a larger output (a strided transposed convolution's, see conv2d.ts).
 *  - `regblockRelaid` reads the weight relaid out by relaid.ts (modulatedConv2d: 8 output channels
 *    are two vec4 loads; pre and post scales applied on the fly), for correlations and transposed
 *    convolutions alike; a transposed thread's 4 pixels are one polyphase class (x ≡ φ mod stride),
 *    so they share the same valid taps and read 4 consecutive input pixels.
 */
import { bindings, flatMain, kernel, type Kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { RELAID_UNIFORMS, type RelaidWeight, relaidReads, relaidValues, TCO } from './relaid.js';
import type { ConvSpec } from './spec.js';
import { cols, GATHER_UNIFORMS, gatherReads, gatherUniforms, maskedLoad, rowsOf, storeOut, tapSetup, tmFor, TN, WG } from './strided-gather.js';

// ------------------------------------------------------------------------------------ weight in place

function forwardWgsl(tm: number, bias: boolean): string {
  const rows = rowsOf(tm);
  return `
${bindings(gatherReads(bias), [['out', 'f32']], GATHER_UNIFORMS.wgsl)}
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
  let wCi = u.wCi;
${rows.map((i) => `  let w${i} = g * u.wGroup + min(co0 + ${i}u, u.Mg - 1u) * u.wCo;\n  var acc${i} = vec4f(0.0);`).join('\n')}
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
        wk += wCi;
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

/** The correlation gather of `c` (weight in place, no pre/post): [N, Cout, OH, OW], or into `c.phase`. */
export function regblockCorrelation(c: ConvSpec): Tensor {
  if (c.transposed || c.pre || c.post || c.flip) throw new Error(`${c.op}: regblockCorrelation runs unscaled, unflipped correlations`);
  const rt = c.x.rt;
  const Mg = c.Cout / c.groups;
  const tm = tmFor(Mg);
  const out = c.phase?.out ?? rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  const xBlocks = Math.ceil(c.OW / TN);
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * c.OH * c.N * cBlocks * c.groups;
  rt.dispatch(kernel(c.op, `regblock:strided:${tm}:${+!!c.bias}`, () => forwardWgsl(tm, !!c.bias)), {
    read: c.bias ? [c.x, c.weight, c.bias] : [c.x, c.weight],
    write: [out],
    uniforms: gatherUniforms(c, total, xBlocks, cBlocks),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

// ------------------------------------------------------------------------------------ relaid weight

/** What the relaid gather's WGSL depends on. */
interface RelaidGatherSpec {
  transposed: boolean;
  pre: boolean;
  post: boolean;
  /**
   * 3 taps wide, stride 1, not transposed (StyleGAN2's 3×3 layers): a thread's 4 pixels under the
   * 3 taps of a row span 6 input pixels, loaded once per (channel, row) instead of 12 times.
   */
  row3: boolean;
}

function relaidGatherKernel(op: string, s: RelaidGatherSpec): Kernel {
  const key = `regblock:relaid:${+s.transposed}${+s.pre}${+s.post}${+s.row3}`;
  return kernel(op, key, () => {
    const reads: Array<[string, string]> = [['X', 'f32'], ['Wl', 'vec4f']];
    if (s.pre) reads.push(['pre', 'f32']);
    if (s.post) reads.push(['post', 'f32']);
    // Input column of pixel j of this thread, and the tap loops (only valid taps for the transposed form).
    const ix = s.transposed ? 'ixBase + i32(4u * blk)' : 'i32(4u * blk * u.S + kx) - u.padX';
    const ixStep = s.transposed ? '1' : 'i32(u.S)';
    const rowLoop = s.transposed
      ? `for (var ky = (y + u32(u.padY)) % u.S; ky < u.kh; ky += u.S) {
    let iy = (i32(y) + u.padY - i32(ky)) / i32(u.S);`
      : `for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(y * u.S + ky) - u.padY;`;
    const colLoop = s.transposed
      ? `for (var kx = (ph + u32(u.padX)) % u.S; kx < u.kw; kx += u.S) {
      let ixBase = (i32(ph) + u.padX - i32(kx)) / i32(u.S);`
      : `for (var kx = 0u; kx < u.kw; kx++) {`;
    const cs = [...Array(TCO).keys()];
    const store = cs
      .map(
        (c) => `  if (co0 + ${c}u < u.CO) {
    let co = co0 + ${c}u;
    let scale = ${s.post ? 'post[n * u.CO + co]' : '1.0'};
    let obase = ((n * u.CO + co) * u.Ho + y) * u.Wo;
    for (var j = 0u; j < 4u; j++) {
    let ox = ${s.transposed ? 'ph + u.S * (4u * blk + j)' : '4u * blk + j'};
    if (ox < u.Wo) { out[obase + ox] = acc${c}[j] * scale; }
    }
  }`,
      )
      .join('\n');
    // Weights: two vec4s of the thread's 8 channels per (ci, tap).
    const weightUse = `        let wa = Wl[t];
      let wb = Wl[t + 1u];
${cs.map((c) => `        acc${c} = fma(vec4f(${c < 4 ? 'wa' : 'wb'}[${c % 4}]), xv, acc${c});`).join('\n')}`;
    // The 6 input pixels under taps 0..2 of the thread's 4 outputs, then the taps unrolled.
    const row3Taps = `      let ixs = i32(4u * blk) - u.padX;
${[0, 1, 2, 3, 4, 5].map((p) => `      let p${p} = select(0.0, X[row + u32(clamp(ixs + ${p}, 0, i32(u.W) - 1))], ixs + ${p} >= 0 && ixs + ${p} < i32(u.W)) * sc;`).join('\n')}
${[0, 1, 2]
  .map(
    (kx) => `      {
      let kx = ${kx}u;
      let xv = vec4f(p${kx}, p${kx + 1}, p${kx + 2}, p${kx + 3});
      let t = wc + (ky * u.kw + kx) * wRow;
${weightUse}
    }`,
  )
  .join('\n')}`;
    return `
${bindings(reads, [['out', 'f32']], RELAID_UNIFORMS.wgsl)}
${flatMain(WG, `  let cob = u.COp / ${TCO}u;
  let xbs = u.phases * u.nxb;
  if (idx >= u.N * cob * u.Ho * xbs) { return; }
  var r = idx;
  let xb = r % xbs; r = r / xbs;
  let y = r % u.Ho; r = r / u.Ho;
  let co0 = (r % cob) * ${TCO}u;
  let n = r / cob;
  let ph = xb / u.nxb;
  let blk = xb % u.nxb;
  let kk = u.kh * u.kw;
  // vec4 index of (ci = 0, k = 0, co0) in this sample's weight block.
  let wBase = (n * u.wlBatch + co0) / 4u;
  let wRow = u.COp / 4u;
${cs.map((c) => `  var acc${c} = vec4f(0.0);`).join('\n')}
  for (var ci = 0u; ci < u.CI; ci++) {
    let plane = (n * u.CI + ci) * u.H * u.W;
    let sc = ${s.pre ? 'pre[n * u.CI + ci]' : '1.0'};
    let wc = wBase + ci * kk * wRow;
    ${rowLoop}
    if (iy < 0 || iy >= i32(u.H)) { continue; }
    let row = plane + u32(iy) * u.W;
${s.row3 ? row3Taps : `      ${colLoop}
      let ix0 = ${ix};
      var xv: vec4f;
      for (var j = 0; j < 4; j++) {
        let ixj = ix0 + j * ${ixStep};
        xv[j] = select(0.0, X[row + u32(clamp(ixj, 0, i32(u.W) - 1))], ixj >= 0 && ixj < i32(u.W));
      }
      xv = xv * sc;
      let t = wc + (ky * u.kw + kx) * wRow;
${weightUse}
    }`}
    }
  }
${store}`)}`;
  });
}

/** The gather of `c` from its relaid weight (relaid.ts), correlation or transposed: a new [N, Cout, OH, OW]. */
export function regblockRelaid(c: ConvSpec, relaid: RelaidWeight): Tensor {
  const rt = c.x.rt;
  const phases = c.transposed ? c.sy : 1;
  const columns = c.transposed ? Math.ceil(c.OW / c.sy) : c.OW;
  const nxb = Math.ceil(columns / 4);
  const row3 = !c.transposed && c.kw === 3 && c.sy === 1;
  const out = rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  rt.dispatch(relaidGatherKernel(c.op, { transposed: c.transposed, pre: !!c.pre, post: !!c.post, row3 }), {
    read: relaidReads(c, relaid),
    write: [out],
    uniforms: RELAID_UNIFORMS.pack(relaidValues(c, relaid, nxb, phases)),
    workgroups: Math.ceil((c.N * (relaid.COp / TCO) * c.OH * phases * nxb) / WG),
  });
  return out;
}

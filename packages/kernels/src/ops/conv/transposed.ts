/**
 * convTranspose2d's own kernel: the transposed convolution as a gather (no atomics), reading the
 * weight in place through the spec's strides (spec.ts; [Cin, Cout/groups, kh, kw] for
 * convTranspose2d). A thread owns TM output channels × 4 output pixels of one row that share one
 * phase (x ≡ r mod s), so for each kx either all 4 land on real input pixels — consecutive ones —
 * or none do and the tap is skipped: stride 2 costs no wasted multiply-adds. Most transposed
 * convolutions avoid it by running as correlations (conv2d.ts, `convTranspose2dPath`);
 * modulatedConv2d's transposed convolutions read a relaid weight instead (regblock.ts, shuffle.ts).
 */
import { bindings, flatMain, kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import type { ConvSpec } from './spec.js';
import { GATHER_UNIFORMS, gatherReads, gatherUniforms, maskedLoad, rowsOf, storeOut, tapSetup, tmFor, TN, WG } from './strided-gather.js';

function transposedWgsl(tm: number, bias: boolean): string {
  const rows = rowsOf(tm);
  // xBlocks = sx · (blocks of 4 per phase); pixel j of a thread is x = phase + sx·(4·xq + j).
  return `
${bindings(gatherReads(bias), [['out', 'f32']], GATHER_UNIFORMS.wgsl)}
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
  let wStep = u.wCi;
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
${rows.map((i) => `      let wb${i} = g * u.wGroup + oc${i} * u.wCo + tap;`).join('\n')}
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

/** The transposed gather of `c` (weight in place, no pre/post, no flip): a new [N, Cout, OH, OW]. */
export function transposedGather(c: ConvSpec): Tensor {
  if (!c.transposed || c.pre || c.post || c.flip || c.phase) throw new Error(`${c.op}: transposedGather runs unscaled, unflipped transposed convolutions`);
  const rt = c.x.rt;
  const out = rt.empty([c.N, c.Cout, c.OH, c.OW], 'f32', c.op);
  const Mg = c.Cout / c.groups;
  const tm = tmFor(Mg);
  const xBlocks = c.sx * Math.ceil(Math.ceil(c.OW / c.sx) / TN);
  const cBlocks = Math.ceil(Mg / tm);
  const total = xBlocks * c.OH * c.N * cBlocks * c.groups;
  rt.dispatch(kernel(c.op, `transposed:strided:${tm}:${+!!c.bias}`, () => transposedWgsl(tm, !!c.bias)), {
    read: c.bias ? [c.x, c.weight, c.bias] : [c.x, c.weight],
    write: [out],
    uniforms: gatherUniforms(c, total, xBlocks, cBlocks),
    workgroups: Math.ceil(total / WG),
  });
  return out;
}

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
 * The kernels are the convolution engine's (ops/conv/: one spec, one file per kernel shape); this
 * file checks arguments, builds specs and picks the kernel:
 *  - the conv2d gather: `regblockCorrelation`, `shuffleCorrelation` (CPU adapters with subgroups,
 *    8 or more channels per group) or `tiledCorrelation` (GPUs) — see `conv2dVariant`;
 *  - the transposed gather: `transposedGather`;
 *  - the weight gradient: `weightGradStrided`.
 * The adjoints close the set: conv2d's dx is the transposed convolution with the same weight,
 * convTranspose2d's dx is the conv2d gather with it, and both weight gradients are
 * `weightGradStrided` with the roles of the two activations swapped.
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
import { type Tensor, formatShape } from '../tensor.js';
import { sum } from './broadcast.js';
import { flipTransposeWeight, phaseTaps } from './conv/flip-weight.js';
import { regblockCorrelation } from './conv/regblock.js';
import { shuffleCorrelation } from './conv/shuffle.js';
import { type ConvGeometry, type ConvSpec, correlationStrides, type OutputPhase, SHUFFLE_LANES, transposedStrides } from './conv/spec.js';
import { tmFor } from './conv/strided-gather.js';
import { tiledCorrelation, tiledGrid } from './conv/tiled.js';
import { transposedGather } from './conv/transposed.js';
import { weightGradStrided } from './conv/weight-grad.js';

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

/** Everything a launch needs (spec.ts): x is the tensor the K loop reads, the output has Cout × OH × OW. */
type Geometry = ConvGeometry;

export type Conv2dVariant = 'shuffle' | 'regblock' | 'tiled';

/**
 * The kernel shape for this adapter (`rt.variants.conv2d` overrides): `tiled` on GPUs, `shuffle`
 * on CPU adapters with subgroups of at least 8 lanes, `regblock` on other CPU adapters.
 *  - `shuffle`: the conv2d gather (forward, and convTranspose2d's input gradient) and the weight
 *    gradient have a shuffle form; groups with fewer than 8 output channels take `regblock`
 *    (a thread owns TM = 1, 2, 4 or 8 channels, `tmFor`, so depthwise and ToRGB convs don't
 *    compute 8 rows to keep one).
 *  - `tiled`: the conv2d gather runs as `tiledCorrelation` (workgroup-memory implicit GEMM).
 * The transposed gather has only the `regblock` form (most transposed convolutions avoid it:
 * `convTranspose2dPath`), and so does the weight gradient outside `shuffle`.
 */
export function conv2dVariant(rt: Tensor['rt']): Conv2dVariant {
  const auto = !rt.isSoftware ? 'tiled' : rt.subgroupMinSize >= SHUFFLE_LANES ? 'shuffle' : 'regblock';
  return rt.variant<Conv2dVariant>('conv2d', ['shuffle', 'regblock', 'tiled'], auto, { shuffle: SHUFFLE_LANES });
}

// ------------------------------------------------------------------------------------ launches

/** The spec of the correlation of geometry `g`: x, w [Cout, Cin/g, kh, kw] read in place. */
function correlationSpec(op: string, x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry, phase?: OutputPhase): ConvSpec {
  return { ...g, ...correlationStrides(g), op, transposed: false, x, weight: w, flip: false, bias: bias ?? undefined, phase };
}

/**
 * conv2d gather: x [N, Cin, H, W], w [Cout, Cin/g, kh, kw] → [N, Cout, OH, OW], or into one phase
 * of a larger output (`phase`; not on `tiled`, whose callers use the transposed gather instead).
 */
function runForward(x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry, phase?: OutputPhase): Tensor {
  const rt = x.rt;
  const Mg = g.Cout / g.groups;
  const spec = correlationSpec('conv2d', x, w, bias, g, phase);
  const variant = conv2dVariant(rt);
  const grid = variant === 'tiled' && !phase ? tiledGrid(rt, g.N, g.groups, Mg, g.OH, g.OW) : null;
  if (grid) return tiledCorrelation(spec, grid);
  if (tmFor(Mg) === SHUFFLE_LANES && variant === 'shuffle') return shuffleCorrelation(spec);
  return regblockCorrelation(spec);
}

/** conv_transpose2d gather: x [N, Cin, H, W], w [Cin, Cout/g, kh, kw] → [N, Cout, OH, OW]. */
function runTransposed(x: Tensor, w: Tensor, bias: Tensor | null, g: Geometry): Tensor {
  return transposedGather({ ...g, ...transposedStrides(g), op: 'convTranspose2d', transposed: true, x, weight: w, flip: false, bias: bias ?? undefined });
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
 * A transposed convolution as correlations (conv/flip-weight.ts has the algebra). Stride 1:
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

/**
 * dw [Cout, Cin/g, kh, kw] = Σ_pixels gy[n, co, oy, ox] · src[n, ci, oy·s − p + ky·d, ox·s − p + kx·d]
 * for gy [N, Cout, OH, OW] and src [N, Cin, H, W] (geometry as the conv2d that maps src to gy).
 */
function runWeightGrad(gy: Tensor, src: Tensor, g: Geometry): Tensor {
  return weightGradStrided('conv2dWeightGrad', gy, src, g, conv2dVariant(gy.rt) === 'shuffle');
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

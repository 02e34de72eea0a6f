/**
 * StyleGAN2's modulated convolution, as NVIDIA's stylegan2-ada-pytorch computes it
 * (`training/networks.py::modulated_conv2d` with `torch_utils/ops/conv2d_resample.py`):
 *
 *   x [N, I, H, W], weight [O, I, kh, kw], styles [N, I]
 *   w'[n,o,i,k] = weight[o,i,k] · s[n,i]                 (modulation, per sample)
 *   d[n,o]      = rsqrt(Σ_{i,k} w'[n,o,i,k]² + 1e-8)       (demodulation, eps inside the rsqrt)
 *   out[n,o]    = d[n,o] · conv(x[n], w'[n])[o]             (+ noise, broadcast over channels)
 *
 * The convolution is `conv2d_resample` with padding applied once, up front:
 *  - up = down = 1: a stride-1 correlation with `padding` (asymmetric padding allowed);
 *  - down > 1: the FIR `upfirdn2d(x, f, padding + ((fw−down+1)//2, (fw−down)//2))`, then a
 *    stride-`down` correlation without padding;
 *  - up > 1: a transposed convolution with stride `up` on the modulated weight (padding pt =
 *    max(min(−p0, −p1), 0) after p0 −= kw−1, p1 −= kw−up), then `upfirdn2d(·, f, p + pt,
 *    gain = up²)`. For 3×3, [1,3,3,1], padding 1: no transposed padding (H → 2H+1), FIR padding 1
 *    each side (→ 2H). The official 1×1 fast paths reorder these linear steps; results agree to
 *    rounding. up and down together are not supported (StyleGAN2 never uses them).
 *  - `flipWeight` as the official argument (default true = correlation for up = 1; the synthesis
 *    network passes `up === 1`, so up-layers run `conv_transpose2d(x, wᵀ)` unflipped).
 *
 * Fused per sample, with no separate modulation pass. The convolution reads the weight relaid out
 * once per call (see conv/relaid.ts), and the scales go where they cost least (`launchConv`):
 *  - for correlations at batch 1, and at any batch on outputs of ≥ 128×128, the relayout folds
 *    s and d into the weight it writes (one [I, kh·kw, O] block per sample: small beside such
 *    activations), and the convolution runs unscaled;
 *  - otherwise one kernel computes every output of sample n from the shared weight, scaling on
 *    the fly — the input by its style (x·s) and the output by d — the form the official
 *    `fused_modconv=False` path uses; no per-sample weight is built.
 * Numerics: (x·s)·w and x·(w·s) differ by one rounding per product, far under the f32 tolerance.
 * A tiny kernel computes d exactly as the official code does (Σ of (w·s)² over i, kh, kw, then
 * + 1e-8, rsqrt).
 * The FIR steps are `upfirdn2d` (their own op, with their own backward).
 *
 * The kernels are the convolution engine's (ops/conv/, one spec for conv2d and this op): the core
 * is the spec's convolution with pre = the styles (modulation on the input) and post = d
 * (demodulation). Kernel shapes (see `modulatedConv2dVariant`): `regblock` and `shuffle` read the
 * weight relaid out (conv/relaid.ts; conv/regblock.ts `regblockRelaid`, conv/shuffle.ts
 * `shuffleRelaid`: a thread owns 8 output channels × 4 (or 8) output pixels of one row; for the
 * transposed convolution the pixels are one polyphase class, so only taps that hit a real input
 * pixel are visited). On GPUs the correlations run `tiledCorrelation` instead (conv/tiled.ts).
 *
 * Backward of the core z = d ⊙ conv(x·s, w) for an output gradient g (y = conv(x·s, w) = z/d):
 *   gy = g·d,   q[n,o] = d·(Σ_p g·y)·d² = d²·Σ_p g·z      (∂d/∂(·) = −d³ · (·), chain through d)
 *   dx̃ = convᵀ(gy, w)  (the adjoint convolution: a correlation ↔ transposed convolution swap with
 *        the same stride, padding and tap orientation);   dx = dx̃ · s
 *   dw[o,i,k] = Σ_n Σ_p gy[n,o,p] · (x·s)[n,i,p+k]  −  w[o,i,k] · Σ_n q[n,o] · s[n,i]²
 *   ds[n,i]   = Σ_p dx̃[n,i,p] · x[n,i,p]           −  s[n,i] · Σ_o q[n,o] · Σ_k w[o,i,k]²
 * Without demodulation d = 1 and the q terms vanish. The adjoint convolution is the forward
 * kernel again (input scaled by d, weight read transposed); dw is conv/weight-grad.ts's
 * `weightGradScaled` (summing over samples and pixels, demodulation term in its epilogue); dx and
 * ds come from one reduction kernel per (n, i), here.
 *
 * `modulatedConv2dUnfused` is the textbook route for comparison (benchmarks): it materialises
 * w'·d for every sample and runs a per-sample (grouped) convolution with the same kernel.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { regblockRelaid } from './conv/regblock.js';
import { relayoutWeight } from './conv/relaid.js';
import { shuffleRelaid } from './conv/shuffle.js';
import { type ConvSpec, type ConvVariant, SHUFFLE_LANES } from './conv/spec.js';
import { tiledCorrelation, tiledGrid } from './conv/tiled.js';
import { weightGradScaled } from './conv/weight-grad.js';
import { add } from './elementwise.js';
import { type FirFilter, setupFilter, upfirdn2d } from './upfirdn2d.js';

export interface ModulatedConv2dOptions {
  /** Divide each output channel by the norm of its modulated weight. Default true. */
  demodulate?: boolean;
  /** Upsampling factor (transposed convolution + FIR). Default 1. */
  up?: number;
  /** Downsampling factor (FIR + strided convolution). Default 1. */
  down?: number;
  /** Convolution padding: one number, or [x0, x1, y0, y1] as the official order. Default kw//2 … as kh, kw are odd: kernel size // 2. */
  padding?: number | readonly [number, number, number, number];
  /** The FIR for up/down (a `setupFilter` result or a GPU filter tensor). Default setupFilter([1, 3, 3, 1]). */
  resampleFilter?: Tensor | FirFilter;
  /** As the official argument: true (default) = correlation when up = 1, unflipped wᵀ is used when false and up > 1. */
  flipWeight?: boolean;
  /** Added after demodulation (and after the FIR when up > 1): [N or 1, 1, Ho, Wo], already scaled by the noise strength. */
  noise?: Tensor;
}

const OP = 'modulatedConv2d';
const WG = 64;
const ROW_WG = 64;


/** One core convolution: a correlation (`transposed` false) or a transposed convolution. */
interface ConvGeom {
  transposed: boolean;
  /** Applies the taps flipped (true convolution). */
  flip: boolean;
  stride: number;
  padY: number;
  padX: number;
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  kh: number;
  kw: number;
}

// ------------------------------------------------------------------------------------ WGSL


export type ModulatedConv2dVariant = ConvVariant;

/**
 * The kernel shapes for this adapter (`rt.variants.modulatedConv2d` overrides):
 *  - `tiled` (GPUs): correlations — the forward at up 1 and down 2, and the stride-1 adjoint —
 *    run as `tiledCorrelation` (conv/tiled.ts), a workgroup-memory implicit GEMM reading the
 *    weight in place; transposed convolutions and the weight gradient run `regblock`.
 *  - `regblock` (CPU adapters without subgroups): a flat grid; each thread loads its 8 channels'
 *    weights (two vec4s per tap).
 *  - `shuffle` (CPU adapters with subgroups of ≥ 8 lanes): lane l loads only channel co0 + l's
 *    weight and the others read it with `subgroupShuffle` — one load per lane instead of eight;
 *    lavapipe compiles every lane's load separately, so loads, not FMAs, set its speed. Shuffles
 *    need the whole subgroup in the same control flow, and the tap loops depend on the output
 *    row's and column's polyphase class, so a workgroup (8 invocations) shares (sample, channel
 *    block, class) — taken from the workgroup id — and its lanes take different pixel blocks of
 *    that class; out-of-range lanes compute on clamped addresses and are masked at the store.
 *    Taps are the outer loops and input channels the inner one, and the input pixels under a
 *    row's taps (6 for 3 taps at stride 1) are loaded once per channel, not once per tap. The
 *    weight gradient shares 8 output channels per subgroup the same way (conv/weight-grad.ts).
 * Weight gradient, one tap per lane (4 i) → one tap row per lane (1 i, sliding window), profiled
 * medians: 512 ch 32 px 476 → 290 ms, 128 ch 128 px 490 → 285 ms, 256 ch 32 → 64 px up-2 120 → 78 ms.
 * Forward, interleaved medians on lavapipe (2 cores), regblock → shuffle: 512 ch 16 px 283 → 159 ms,
 * 64 px 4.07 → 1.36 s, N=4 16 px 1.03 → 0.35 s, 8→16 up-2 890 → 270 ms (the earlier shuffle
 * form, rows padded to whole subgroups and ci-outer loops, was 261 ms, 1.71 s, 0.73 s, 1.02 s).
 */
export function modulatedConv2dVariant(rt: Tensor['rt']): ModulatedConv2dVariant {
  const auto = !rt.isSoftware ? 'tiled' : rt.subgroupMinSize >= SHUFFLE_LANES ? 'shuffle' : 'regblock';
  return rt.variant<ModulatedConv2dVariant>(OP, ['shuffle', 'regblock', 'tiled'], auto, { shuffle: SHUFFLE_LANES });
}

/** Output pixels from which a batch > 1 folds its scales into per-sample weights (128×128). */
const FOLD_MIN_PIXELS = 128 * 128;

const DEMOD_UNIFORMS = uniformStruct({ N: 'u32', CI: 'u32', CO: 'u32', kk: 'u32' });
const DEMOD_GRAD_UNIFORMS = uniformStruct({ rows: 'u32', L: 'u32' });
const STYLES_GRAD_UNIFORMS = uniformStruct({ N: 'u32', CI: 'u32', CO: 'u32', P: 'u32', kk: 'u32' });

/** d[n, o] = rsqrt(Σ_{i,k} (w[o,i,k]·s[n,i])² + 1e-8), one thread per (n, o). */
const demodKernel = kernel(OP, 'demod', () => `
${bindings([['Wt', 'f32'], ['S', 'f32']], [['D', 'f32']], DEMOD_UNIFORMS.wgsl)}
${flatMain(WG, `  if (idx >= u.N * u.CO) { return; }
  let n = idx / u.CO; let o = idx % u.CO;
  var acc = 0.0;
  for (var i = 0u; i < u.CI; i++) {
    let s = S[n * u.CI + i];
    let base = (o * u.CI + i) * u.kk;
    for (var k = 0u; k < u.kk; k++) { let v = Wt[base + k] * s; acc = fma(v, v, acc); }
  }
  D[idx] = inverseSqrt(acc + 1e-8);`)}`);

/** q[r] = D[r]² · Σ_l G[r, l]·Z[r, l]: one workgroup per row (n, o). */
const demodGradKernel = kernel(OP, 'demodGrad', () => `
${bindings([['G', 'f32'], ['Z', 'f32'], ['D', 'f32']], [['Q', 'f32']], DEMOD_GRAD_UNIFORMS.wgsl)}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.rows) { return; }
  var acc = 0.0;
  for (var l = lid; l < u.L; l += ${ROW_WG}u) { acc = fma(G[row * u.L + l], Z[row * u.L + l], acc); }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { let d = D[row]; Q[row] = d * d * part[0]; }
}`);

/**
 * dx = dx̃·s and ds[n,i] = Σ_p dx̃·x − s·Σ_o q[n,o]·Σ_k w[o,i,k]², one workgroup per (n, i).
 */
function stylesGradKernel(demod: boolean): Kernel {
  return kernel(OP, `stylesGrad:${+demod}`, () => `
${bindings(
  [['DXT', 'f32'], ['X', 'f32'], ['S', 'f32'], ...(demod ? ([['Wt', 'f32'], ['Q', 'f32']] as Array<[string, string]>) : [])],
  [['DX', 'f32'], ['DS', 'f32']],
  STYLES_GRAD_UNIFORMS.wgsl,
)}
var<workgroup> part: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.N * u.CI) { return; }
  let n = row / u.CI; let i = row % u.CI;
  let s = S[row];
  var acc = 0.0;
  for (var p = lid; p < u.P; p += ${ROW_WG}u) {
    let v = DXT[row * u.P + p];
    DX[row * u.P + p] = v * s;
    acc = fma(v, X[row * u.P + p], acc);
  }
${
  demod
    ? `  var dem = 0.0;
  for (var o = lid; o < u.CO; o += ${ROW_WG}u) {
    let base = (o * u.CI + i) * u.kk;
    var w2 = 0.0;
    for (var k = 0u; k < u.kk; k++) { let w = Wt[base + k]; w2 = fma(w, w, w2); }
    dem = fma(Q[n * u.CO + o], w2, dem);
  }
  acc = acc - s * dem;`
    : ''
}
  part[lid] = acc;
  workgroupBarrier();
  for (var t = ${ROW_WG / 2}u; t > 0u; t >>= 1u) {
    if (lid < t) { part[lid] = part[lid] + part[lid + t]; }
    workgroupBarrier();
  }
  if (lid == 0u) { DS[row] = part[0]; }
}`);
}

// ------------------------------------------------------------------------------------ launches

interface ConvLaunch {
  input: Tensor;
  weight: Tensor;
  pre?: Tensor;
  post?: Tensor;
  N: number;
  CI: number;
  CO: number;
  g: ConvGeom;
  /** Weight strides: forward [O, I, k] is (I·kk, kk); the adjoint reads it as (kk, CO·kk). */
  wCo: number;
  wCi: number;
  wBatch?: number;
}

/** The spec (conv/spec.ts) of one core convolution: groups 1, no dilation, one stride. */
function coreSpec(l: ConvLaunch): ConvSpec {
  const { g } = l;
  return {
    op: OP, transposed: g.transposed, x: l.input, weight: l.weight, pre: l.pre, post: l.post,
    N: l.N, Cin: l.CI, H: g.H, W: g.W, Cout: l.CO, OH: g.Ho, OW: g.Wo, kh: g.kh, kw: g.kw,
    sy: g.stride, sx: g.stride, py: g.padY, px: g.padX, dy: 1, dx: 1, groups: 1,
    flip: g.flip, wGroup: 0, wCo: l.wCo, wCi: l.wCi, wBatch: l.wBatch ?? 0,
  };
}

function launchConv(l: ConvLaunch): Tensor {
  const { g } = l;
  const rt = l.input.rt;
  const spec = coreSpec(l);
  const variant = modulatedConv2dVariant(rt);
  const tiled = variant === 'tiled' && !g.transposed ? tiledGrid(rt, l.N, 1, l.CO, g.Ho, g.Wo) : null;
  // Reads the weight in place (strides, tap flip): no relayout.
  if (tiled) return tiledCorrelation(spec, tiled);
  // Fold the scales into the relaid weight (one weight per sample) where that costs less than
  // scaling in the convolution: always at batch 1, where the relayout runs anyway, and on large
  // images, where the weights are small beside the activations. Interleaved on lavapipe (under
  // load), in-kernel → folded: 128 ch 256 px 1018 → 826 ms, 256 ch 64 px 144 → 115 ms, 512 ch
  // 16 px 87 → 69 ms, and at batch 2, 128 ch 128 px 279 → 254 ms. On small images at batch > 1
  // per-sample weights cost more than the convolution saves (512 ch 8 px, batch 4: the unfused
  // route, which builds them, 222 ms against 54 ms). Transposed convolutions keep the scales in
  // the kernel: folded, the up-2 kernel ran slower (batch 1, 128 → 64 ch 256 → 512 px: 541 against
  // 370 ms; 512 ch 16 → 32 px: 73 against 63 ms).
  const fold = !g.transposed && (!!l.pre || !!l.post) && !l.wBatch && (l.N === 1 || g.Ho * g.Wo >= FOLD_MIN_PIXELS);
  const relaid = relayoutWeight(spec, fold);
  // The shuffle form where the adapter takes it and the shape fits (else regblock).
  const out = (variant === 'shuffle' ? shuffleRelaid(relaid.spec, relaid.relaid) : null) ?? regblockRelaid(relaid.spec, relaid.relaid);
  relaid.relaid.wl.dispose();
  return out;
}

function launchDemod(weight: Tensor, styles: Tensor): Tensor {
  const [O, I, kh, kw] = weight.shape;
  const N = styles.shape[0];
  const d = weight.rt.empty([N, O], 'f32', OP);
  weight.rt.dispatch(demodKernel, { read: [weight, styles], write: [d], uniforms: DEMOD_UNIFORMS.pack({ N, CI: I, CO: O, kk: kh * kw }), workgroups: Math.ceil((N * O) / WG) });
  return d;
}

/**
 * The adjoint geometry: input and output swap, a correlation becomes a transposed convolution and
 * back. At stride 1 the transposed form is itself a correlation with the taps flipped and padding
 * k − 1 − p: out[y] = Σ_t in[y + p − t]·w(t) = Σ_j in[y − (k − 1 − p) + j]·w(k − 1 − j) with
 * j = k − 1 − t. So the stride-1 adjoint runs the correlation kernels (row3, no per-tap phase
 * tests), which take ~30% less time per FLOP than the transposed ones.
 */
function adjoint(g: ConvGeom): ConvGeom {
  const swapped = { ...g, H: g.Ho, W: g.Wo, Ho: g.H, Wo: g.W };
  if (g.stride === 1 && !g.transposed) {
    return { ...swapped, flip: !g.flip, padY: g.kh - 1 - g.padY, padX: g.kw - 1 - g.padX };
  }
  return { ...swapped, transposed: !g.transposed };
}

/** z = d ⊙ conv(x·s, w) (d = 1 without demodulation), differentiable in x, weight and styles. */
function modconvCore(x: Tensor, weight: Tensor, styles: Tensor, g: ConvGeom, demodulate: boolean): Tensor {
  const rt = x.rt;
  const [N, I] = x.shape;
  const O = weight.shape[0];
  const kk = g.kh * g.kw;
  const d = demodulate ? launchDemod(weight, styles) : undefined;
  const forward: ConvLaunch = { input: x, weight, pre: styles, post: d, N, CI: I, CO: O, g, wCo: I * kk, wCi: kk };
  const z = launchConv(forward);
  return attach(z, OP, [x, weight, styles], (gz) => {
    let q: Tensor | undefined;
    if (d) {
      q = rt.empty([N, O], 'f32', OP);
      rt.dispatch(demodGradKernel, { read: [gz, z, d], write: [q], uniforms: DEMOD_GRAD_UNIFORMS.pack({ rows: N * O, L: g.Ho * g.Wo }), workgroups: N * O });
    }
    let dx: Tensor | null = null;
    let ds: Tensor | null = null;
    if (x.requiresGrad || styles.requiresGrad) {
      // dx̃ = adjoint conv of g·d with the shared weight read as [I ← O].
      const dxt = launchConv({ input: gz, weight, pre: d, N, CI: O, CO: I, g: adjoint(g), wCo: kk, wCi: I * kk });
      dx = rt.empty(x.shape, 'f32', OP);
      ds = rt.empty(styles.shape, 'f32', OP);
      rt.dispatch(stylesGradKernel(!!d), {
        read: [dxt, x, styles, ...(d ? [weight, q!] : [])],
        write: [dx, ds],
        uniforms: STYLES_GRAD_UNIFORMS.pack({ N, CI: I, CO: O, P: g.H * g.W, kk }),
        workgroups: N * I,
      });
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      // Fewer than 8 output channels (ToRGB) would leave most lanes' shared loads unused.
      dw = weightGradScaled(coreSpec(forward), gz, q, O >= SHUFFLE_LANES && modulatedConv2dVariant(rt) === 'shuffle');
    }
    return [dx, dw, ds];
  });
}

// ------------------------------------------------------------------------------------ API

interface Plan {
  /** FIR before the core (down > 1), with its padding [x0, x1, y0, y1]. */
  preFir?: [number, number, number, number];
  /** FIR after the core (up > 1), padding and gain. */
  postFir?: { padding: [number, number, number, number]; gain: number };
  core: ConvGeom;
  Ho: number;
  Wo: number;
}

function describe(x: Tensor, weight: Tensor, styles: Tensor): string {
  return `x ${formatShape(x.shape)}, weight ${formatShape(weight.shape)}, styles ${formatShape(styles.shape)}`;
}

function checkInputs(op: string, x: Tensor, weight: Tensor, styles: Tensor): void {
  const shapes = describe(x, weight, styles);
  for (const t of [x, weight, styles]) {
    x.rt.checkOwn(op, t);
    if (t.dtype !== 'f32') throw new Error(`${op}: expected f32 tensors, got ${t.dtype} (${shapes})`);
  }
  if (x.rank !== 4) throw new Error(`${op}: x must be [N, I, H, W] (${shapes})`);
  if (weight.rank !== 4) throw new Error(`${op}: weight must be [O, I, kh, kw] (${shapes})`);
  if (weight.shape[1] !== x.shape[1]) throw new Error(`${op}: weight has ${weight.shape[1]} input channels, x has ${x.shape[1]} (${shapes})`);
  if (styles.rank !== 2 || styles.shape[0] !== x.shape[0] || styles.shape[1] !== x.shape[1]) {
    throw new Error(`${op}: styles must be [N, I] = [${x.shape[0]}, ${x.shape[1]}] (${shapes})`);
  }
  if (x.size === 0 || weight.size === 0) throw new Error(`${op}: empty input (${shapes})`);
  // A bad or unusable forced variant fails here, before the demodulation kernel is dispatched.
  modulatedConv2dVariant(x.rt);
}

function filterSize(f: Tensor | FirFilter): [number, number] {
  const s = f.shape;
  return s.length === 1 ? [s[0], s[0]] : [s[1]!, s[0]];
}

/** conv2d_resample's padding arithmetic, resolved into the FIR and core steps. */
function plan(op: string, x: Tensor, weight: Tensor, styles: Tensor, opts: ModulatedConv2dOptions, f: Tensor | FirFilter): Plan {
  const shapes = describe(x, weight, styles);
  const [, , H, W] = x.shape;
  const [, , kh, kw] = weight.shape;
  const up = opts.up ?? 1;
  const down = opts.down ?? 1;
  for (const [name, v] of [['up', up], ['down', down]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${v} (${shapes})`);
  }
  if (up > 1 && down > 1) throw new Error(`${op}: up and down together are not supported (up ${up}, down ${down}; ${shapes})`);
  const p = opts.padding ?? Math.floor(kw / 2);
  const pad = typeof p === 'number' ? [p, p, p, p] : [...p];
  if (pad.length !== 4 || !pad.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(`${op}: padding must be a non-negative integer or [x0, x1, y0, y1], got ${JSON.stringify(p)} (${shapes})`);
  }
  let [px0, px1, py0, py1] = pad;
  const flipWeight = opts.flipWeight ?? true;
  const [fw, fh] = filterSize(f);
  const size = (Ho: number, Wo: number): void => {
    if (!(Ho > 0 && Wo > 0)) throw new Error(`${op}: the output would be empty (${Ho}×${Wo}) for ${shapes}, padding ${JSON.stringify(pad)}`);
  };
  if (up > 1) {
    px0 += Math.floor((fw + up - 1) / 2) - (kw - 1);
    px1 += Math.floor((fw - up) / 2) - (kw - up);
    py0 += Math.floor((fh + up - 1) / 2) - (kh - 1);
    py1 += Math.floor((fh - up) / 2) - (kh - up);
    const pxt = Math.max(Math.min(-px0, -px1), 0);
    const pyt = Math.max(Math.min(-py0, -py1), 0);
    const Hc = (H - 1) * up - 2 * pyt + kh;
    const Wc = (W - 1) * up - 2 * pxt + kw;
    size(Hc, Wc);
    const fir: [number, number, number, number] = [px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt];
    const Ho = Hc + fir[2] + fir[3] - fh + 1;
    const Wo = Wc + fir[0] + fir[1] - fw + 1;
    size(Ho, Wo);
    // conv2d_resample runs the transposed conv with flip_weight = not flipWeight: taps flipped iff flipWeight.
    const core = { transposed: true, flip: flipWeight, stride: up, padY: pyt, padX: pxt, H, W, Ho: Hc, Wo: Wc, kh, kw };
    return { core, postFir: { padding: fir, gain: up * up }, Ho, Wo };
  }
  if (down > 1) {
    px0 += Math.floor((fw - down + 1) / 2);
    px1 += Math.floor((fw - down) / 2);
    py0 += Math.floor((fh - down + 1) / 2);
    py1 += Math.floor((fh - down) / 2);
    const Hf = H + py0 + py1 - fh + 1;
    const Wf = W + px0 + px1 - fw + 1;
    size(Hf, Wf);
    const Ho = Math.floor((Hf - kh) / down) + 1;
    const Wo = Math.floor((Wf - kw) / down) + 1;
    size(Hf - kh + 1, Wf - kw + 1);
    const core = { transposed: false, flip: !flipWeight, stride: down, padY: 0, padX: 0, H: Hf, W: Wf, Ho, Wo, kh, kw };
    return { core, preFir: [px0, px1, py0, py1], Ho, Wo };
  }
  // Asymmetric padding: pad left/top in the kernel and size the output for both sides.
  const Ho = H + py0 + py1 - kh + 1;
  const Wo = W + px0 + px1 - kw + 1;
  size(Ho, Wo);
  return { core: { transposed: false, flip: !flipWeight, stride: 1, padY: py0, padX: px0, H, W, Ho, Wo, kh, kw }, Ho, Wo };
}

let defaultFilter: FirFilter | null = null;
function resolveFilter(opts: ModulatedConv2dOptions): Tensor | FirFilter {
  return opts.resampleFilter ?? (defaultFilter ??= setupFilter([1, 3, 3, 1]));
}

function checkNoise(op: string, noise: Tensor, N: number, Ho: number, Wo: number, shapes: string): void {
  const s = noise.shape;
  if (noise.rank !== 4 || (s[0] !== N && s[0] !== 1) || s[1] !== 1 || s[2] !== Ho || s[3] !== Wo) {
    throw new Error(`${op}: noise must be [${N} or 1, 1, ${Ho}, ${Wo}], got ${formatShape(s)} (${shapes})`);
  }
}

/**
 * StyleGAN2's modulated convolution (see the file comment), differentiable in x, weight and
 * styles (and noise). Output [N, O, Ho, Wo].
 */
export function modulatedConv2d(x: Tensor, weight: Tensor, styles: Tensor, opts: ModulatedConv2dOptions = {}): Tensor {
  checkInputs(OP, x, weight, styles);
  const f = resolveFilter(opts);
  const pl = plan(OP, x, weight, styles, opts, f);
  if (opts.noise) checkNoise(OP, opts.noise, x.shape[0], pl.Ho, pl.Wo, describe(x, weight, styles));
  const demodulate = opts.demodulate ?? true;
  let input = x;
  if (pl.preFir) input = upfirdn2d(x, f, { padding: pl.preFir });
  let out = modconvCore(input, weight, styles, pl.core, demodulate);
  if (pl.postFir) out = upfirdn2d(out, f, { padding: pl.postFir.padding, gain: pl.postFir.gain });
  if (opts.noise) out = add(out, opts.noise);
  return out;
}

const MATERIALISE_UNIFORMS = uniformStruct({ N: 'u32', CI: 'u32', CO: 'u32', kk: 'u32', demod: 'u32' });

/** w'[n,o,i,k] = w[o,i,k]·s[n,i]·d[n,o] (d = 1 without demodulation), one thread per element. */
const materialiseKernel = kernel(OP, 'materialise', () => `
${bindings([['Wt', 'f32'], ['S', 'f32'], ['D', 'f32']], [['out', 'f32']], MATERIALISE_UNIFORMS.wgsl)}
${flatMain(256, `  let per = u.CO * u.CI * u.kk;
  if (idx >= u.N * per) { return; }
  let n = idx / per; let r = idx % per;
  let o = r / (u.CI * u.kk); let i = (r / u.kk) % u.CI;
  let d = select(1.0, D[n * u.CO + o], u.demod == 1u);
  out[idx] = Wt[r] * S[n * u.CI + i] * d;`)}`);

/**
 * The unfused route, for comparisons only (forward, no gradient): materialise the modulated,
 * demodulated weights [N, O, I, kh, kw] in global memory, then run a grouped convolution (one
 * group per sample) with the same convolution kernel. Same result as `modulatedConv2d`.
 */
export function modulatedConv2dUnfused(x: Tensor, weight: Tensor, styles: Tensor, opts: ModulatedConv2dOptions = {}): Tensor {
  const op = 'modulatedConv2dUnfused';
  checkInputs(op, x, weight, styles);
  const f = resolveFilter(opts);
  const pl = plan(op, x, weight, styles, opts, f);
  if (opts.noise) checkNoise(op, opts.noise, x.shape[0], pl.Ho, pl.Wo, describe(x, weight, styles));
  const rt = x.rt;
  return rt.noGrad(() =>
    rt.tidy(() => {
      const [N, I] = x.shape;
      const [O, , kh, kw] = weight.shape;
      const kk = kh * kw;
      const demod = opts.demodulate ?? true;
      const d = demod ? launchDemod(weight, styles) : styles;
      const wAll = rt.empty([N, O, I, kh, kw], 'f32', op);
      rt.dispatch(materialiseKernel, { read: [weight, styles, d], write: [wAll], uniforms: MATERIALISE_UNIFORMS.pack({ N, CI: I, CO: O, kk, demod: +demod }), workgroups: Math.ceil(wAll.size / 256) });
      const input = pl.preFir ? upfirdn2d(x, f, { padding: pl.preFir }) : x;
      let out = launchConv({ input, weight: wAll, N, CI: I, CO: O, g: pl.core, wCo: I * kk, wCi: kk, wBatch: O * I * kk });
      if (pl.postFir) out = upfirdn2d(out, f, { padding: pl.postFir.padding, gain: pl.postFir.gain });
      if (opts.noise) out = add(out, opts.noise);
      return out;
    }),
  );
}

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
 * once per call (see `relayoutKernel`), and the scales go where they cost least (`launchConv`):
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
 * Kernel shape (barrier-free register blocking, what lavapipe wants): a thread owns 8 output
 * channels × 4 output pixels of one row. For the transposed convolution the 4 pixels are one
 * polyphase class (x ≡ φ mod stride), so they share the same valid taps and read 4 consecutive
 * input pixels — only taps that hit a real input pixel are visited. Two forms (see
 * `modulatedConv2dVariant`): `regblock` (each thread loads its own 8 channels' weights) and, on CPU
 * adapters with subgroups, `shuffle` (the 8 lanes of a subgroup share one weight load each). The
 * shuffle form widens the block where it saves loads: 8 pixels per lane for correlations on rows
 * of ≥ 16, and every column phase of 4 input columns per lane for strided transposed ones
 * (`convShuffleUpKernel`). On GPUs the correlations run `tiledCorrelation` instead (workgroup
 * memory, see conv-tiled.ts).
 *
 * Backward of the core z = d ⊙ conv(x·s, w) for an output gradient g (y = conv(x·s, w) = z/d):
 *   gy = g·d,   q[n,o] = d·(Σ_p g·y)·d² = d²·Σ_p g·z      (∂d/∂(·) = −d³ · (·), chain through d)
 *   dx̃ = convᵀ(gy, w)  (the adjoint convolution: a correlation ↔ transposed convolution swap with
 *        the same stride, padding and tap orientation);   dx = dx̃ · s
 *   dw[o,i,k] = Σ_n Σ_p gy[n,o,p] · (x·s)[n,i,p+k]  −  w[o,i,k] · Σ_n q[n,o] · s[n,i]²
 *   ds[n,i]   = Σ_p dx̃[n,i,p] · x[n,i,p]           −  s[n,i] · Σ_o q[n,o] · Σ_k w[o,i,k]²
 * Without demodulation d = 1 and the q terms vanish. The adjoint convolution is the forward
 * kernel again (input scaled by d, weight read transposed); dw is one kernel (4 o × 4 i per
 * thread; in the `shuffle` form 8 o shared by a subgroup × one i × one row of taps per lane —
 * summing over samples and pixels, demodulation term in its epilogue); dx and ds come from one
 * reduction kernel per (n, i).
 *
 * `modulatedConv2dUnfused` is the textbook route for comparison (benchmarks): it materialises
 * w'·d for every sample and runs a per-sample (grouped) convolution with the same kernel.
 */
import { attach } from '../grad-node.js';
import { bindings, f32, flatMain, i32, kernel, type Kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { add } from './elementwise.js';
import { tiledCorrelation, tiledGrid } from './conv-tiled.js';
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
const kernels = new Map<string, Kernel>();
function cached(key: string, make: () => Kernel): Kernel {
  let k = kernels.get(key);
  if (!k) kernels.set(key, (k = make()));
  return k;
}

// ------------------------------------------------------------------------------------ geometry

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

/**
 * The fused modulated convolution (also its adjoint w.r.t. the input):
 *   out[n, co, q] = post[n, co] · Σ_{ci, k} W(co, ci, k) · pre[n, ci] · in[n, ci, q ⊛ k]
 * The kernel reads the weight relaid out as Wl[ci][k][co] with co padded to a multiple of 8
 * (zeros), so a thread's 8 output channels are two aligned vec4 loads. The relayout kernel reads
 * W(co, ci, k) = Wt[n·wBatch + co·wCo + ci·wCi + k] (strides in uniforms: the adjoint reads the
 * same weight transposed; wBatch > 0 only for the unfused comparison route) and applies the tap
 * flip, so the convolution itself has neither. It moves O·I·kh·kw floats once per call.
 */
interface ConvSpec {
  transposed: boolean;
  pre: boolean;
  post: boolean;
  /**
   * 3 taps wide, stride 1, not transposed (StyleGAN2's 3×3 layers): a thread's 4 pixels under the
   * 3 taps of a row span 6 input pixels, loaded once per (channel, row) instead of 12 times.
   */
  row3: boolean;
}

export type ModulatedConv2dVariant = 'shuffle' | 'regblock' | 'tiled';
/** Lanes of a subgroup sharing one output channel's weight load each in the `shuffle` form. */
const SHUFFLE_LANES = 8;

/**
 * The kernel shapes for this adapter (`rt.variants.modulatedConv2d` overrides):
 *  - `tiled` (GPUs): correlations — the forward at up 1 and down 2, and the stride-1 adjoint —
 *    run as `tiledCorrelation` (conv-tiled.ts), a workgroup-memory implicit GEMM reading the
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
 *    weight gradient shares 8 output channels per subgroup the same way (`weightGradRowsKernel`).
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
/** Output channels per thread. */
const TCO = 8;
const CONV_UNIFORMS =
  'N: u32, CI: u32, CO: u32, H: u32, W: u32, Ho: u32, Wo: u32, kh: u32, kw: u32, S: u32, padY: i32, padX: i32, ' +
  'nxb: u32, phases: u32, COp: u32, wlBatch: u32';

/** Output pixels from which a batch > 1 folds its scales into per-sample weights (128×128). */
const FOLD_MIN_PIXELS = 128 * 128;
/** Relayout threads per workgroup, along co. */
const RELAYOUT_WG = 64;
// Grid (co blocks, tap k, sample·CI + ci): every index but co comes from the workgroup id, so no
// thread divides (lavapipe scalarises integer division per lane).
// With `pre`/`post` it also folds the per-sample scales into a per-sample weight (see `launchConv`).
function relayoutKernel(pre: boolean, post: boolean): Kernel {
  const key = `relayout:${+pre}${+post}`;
  return cached(key, () =>
    kernel(OP, key, () => {
      const reads: Array<[string, string]> = [['Wt', 'f32']];
      if (pre) reads.push(['pre', 'f32']);
      if (post) reads.push(['post', 'f32']);
      const scale = [...(pre ? ['pre[n * u.CI + ci]'] : []), ...(post ? ['post[n * u.CO + co]'] : [])].map((f) => ` * ${f}`).join('');
      return `
${bindings(reads, [['Wl', 'f32']], 'CI: u32, CO: u32, COp: u32, kk: u32, wCo: u32, wCi: u32, wBatch: u32, flip: u32')}
@compute @workgroup_size(${RELAYOUT_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let co = wid.x * ${RELAYOUT_WG}u + lid;
  if (co >= u.COp) { return; }
  let k = wid.y;
  let ci = wid.z % u.CI;
  let n = wid.z / u.CI;
  let dst = (wid.z * u.kk + k) * u.COp + co;
  if (co >= u.CO) { Wl[dst] = 0.0; return; }
  // Flipping both axes of a row-major [kh, kw] block reverses it.
  let kSrc = select(k, u.kk - 1u - k, u.flip == 1u);
  Wl[dst] = Wt[n * u.wBatch + co * u.wCo + ci * u.wCi + kSrc]${scale};
}`;
    }),
  );
}

function convKernel(s: ConvSpec): Kernel {
  const key = `conv:${+s.transposed}${+s.pre}${+s.post}${+s.row3}`;
  return cached(key, () =>
    kernel(OP, key, () => {
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
${bindings(reads, [['out', 'f32']], CONV_UNIFORMS)}
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
    }),
  );
}

/** Invocations per workgroup in the `shuffle` kernels: one 8-lane subgroup, so little is lost to padding. */
const SHUFFLE_WG = 8;
const SHUFFLE_UNIFORMS = `${CONV_UNIFORMS}, rowsPerClass: u32`;

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
 * The correlation of `convKernel` in the `shuffle` form (see `modulatedConv2dVariant`; transposed
 * convolutions take `convShuffleUpKernel`). Workgroup (x: pixel blocks, y: channel block, z:
 * sample). For each tap row ky, the thread loads the window of input pixels its P outputs (P = 4
 * or 8) read under all taps of that row — (P − 1)·S + kw, pixel j and tap kx reading
 * window[j·S + kx] — once per input channel, then runs the taps on registers. Lane l loads channel
 * co0 + l's weight (times the style) per tap and channel; all lanes read it through
 * `subgroupShuffle`.
 */
function convShuffleKernel(s: ConvShuffleSpec): Kernel {
  const key = `convShuffle:${+s.pre}${+s.post}:${s.kw}:${s.stride}:${s.px}`;
  return cached(key, () =>
    kernel(OP, key, () => {
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
${bindings(reads, [['out', 'f32']], SHUFFLE_UNIFORMS)}
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
    }),
  );
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
function convShuffleUpKernel(s: ConvShuffleUpSpec): Kernel {
  const key = `convShuffleUp:${+s.pre}${+s.post}:${s.kw}:${s.stride}:${s.r}`;
  return cached(key, () =>
    kernel(OP, key, () => {
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
${bindings(reads, [['out', 'f32']], SHUFFLE_UNIFORMS)}
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
    }),
  );
}

/** d[n, o] = rsqrt(Σ_{i,k} (w[o,i,k]·s[n,i])² + 1e-8), one thread per (n, o). */
const demodKernel = kernel(OP, 'demod', () => `
${bindings([['Wt', 'f32'], ['S', 'f32']], [['D', 'f32']], 'N: u32, CI: u32, CO: u32, kk: u32')}
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
${bindings([['G', 'f32'], ['Z', 'f32'], ['D', 'f32']], [['Q', 'f32']], 'rows: u32, L: u32')}
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
  const key = `stylesGrad:${+demod}`;
  return cached(key, () =>
    kernel(OP, key, () => `
${bindings(
  [['DXT', 'f32'], ['X', 'f32'], ['S', 'f32'], ...(demod ? ([['Wt', 'f32'], ['Q', 'f32']] as Array<[string, string]>) : [])],
  [['DX', 'f32'], ['DS', 'f32']],
  'N: u32, CI: u32, CO: u32, P: u32, kk: u32',
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
}`),
  );
}

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
function weightGradRowsKernel(s: WeightGradSpec & { kw: number; stride: number; ipl: number }): Kernel {
  const key = `weightGradRows:${+s.transposed}${+s.flip}${+s.demod}:${s.kw}:${s.stride}:${s.ipl}`;
  return cached(key, () =>
    kernel(OP, key, () => {
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
${bindings(reads, [['DW', 'f32']], 'N: u32, CI: u32, CO: u32, H: u32, W: u32, Ho: u32, Wo: u32, kh: u32, kw: u32, S: u32, padY: i32, padX: i32')}
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
    }),
  );
}

function weightGradKernel(s: WeightGradSpec): Kernel {
  const key = `weightGrad:${+s.transposed}${+s.flip}${+s.demod}`;
  return cached(key, () =>
    kernel(OP, key, () => {
      const reads: Array<[string, string]> = [['G', 'f32'], ['X', 'f32'], ['S', 'f32']];
      if (s.demod) reads.push(['D', 'f32'], ['Wt', 'f32'], ['Q', 'f32']);
      // A: the side walked densely; B: the side read at q·S − P + k.
      const [AH, AW, BH, BW] = s.transposed ? ['u.H', 'u.W', 'u.Ho', 'u.Wo'] : ['u.Ho', 'u.Wo', 'u.H', 'u.W'];
      const gPix = s.transposed ? 'by * u.Wo + bx' : 'qy * u.Wo + qx';
      const xPix = s.transposed ? 'qy * u.W + qx' : 'by * u.W + bx';
      const tap = s.flip ? '(u.kh - 1u - ky) * u.kw + (u.kw - 1u - kx)' : 'ky * u.kw + kx';
      const oi = [0, 1, 2, 3];
      return `
${bindings(reads, [['DW', 'f32']], 'N: u32, CI: u32, CO: u32, H: u32, W: u32, Ho: u32, Wo: u32, kh: u32, kw: u32, S: u32, padY: i32, padX: i32')}
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
    }),
  );
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

function launchConv(l: ConvLaunch): Tensor {
  const { g } = l;
  const rt = l.input.rt;
  const kk = g.kh * g.kw;
  const variant = modulatedConv2dVariant(rt);
  const tiled = variant === 'tiled' && !g.transposed ? tiledGrid(rt, l.N, 1, l.CO, g.Ho, g.Wo) : null;
  if (tiled) {
    // Reads the weight in place (strides, tap flip): no relayout.
    return tiledCorrelation(
      {
        op: OP, x: l.input, weight: l.weight, pre: l.pre, post: l.post, Cout: l.CO, OH: g.Ho, OW: g.Wo, kh: g.kh, kw: g.kw,
        stride: [g.stride, g.stride], padding: [g.padY, g.padX], wCo: l.wCo, wCi: l.wCi, wBatch: l.wBatch, flip: g.flip,
      },
      tiled,
    );
  }
  const COp = Math.ceil(l.CO / TCO) * TCO;
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
  const pre = fold ? undefined : l.pre;
  const post = fold ? undefined : l.post;
  const batches = l.wBatch || fold ? l.N : 1;
  const wl = rt.empty([batches, l.CI, kk, COp], 'f32', OP);
  rt.dispatch(relayoutKernel(fold && !!l.pre, fold && !!l.post), {
    read: [l.weight, ...(fold && l.pre ? [l.pre] : []), ...(fold && l.post ? [l.post] : [])],
    write: [wl],
    uniforms: [l.CI, l.CO, COp, kk, l.wCo, l.wCi, l.wBatch ?? 0, +g.flip],
    workgroups: [Math.ceil(COp / RELAYOUT_WG), kk, batches * l.CI],
  });
  const out = rt.empty([l.N, l.CO, g.Ho, g.Wo], 'f32', OP);
  const read = [l.input, wl, ...(pre ? [pre] : []), ...(post ? [post] : [])];
  const phases = g.transposed ? g.stride : 1;
  const cols = g.transposed ? Math.ceil(g.Wo / g.stride) : g.Wo;
  const nxb = Math.ceil(cols / 4);
  const wlBatch = batches > 1 ? l.CI * kk * COp : 0;
  const base = [l.N, l.CI, l.CO, g.H, g.W, g.Ho, g.Wo, g.kh, g.kw, g.stride, i32(g.padY), i32(g.padX), nxb, phases, COp, wlBatch];
  const rowsPerClass = Math.ceil(g.Ho / phases);
  // The shuffle forms unroll the tap window: keep them to the sizes a generator meets (else regblock).
  const shuffle = variant === 'shuffle' && g.kw <= 7 && g.stride <= 4;
  // Correlations: 8 output pixels per lane on rows of ≥ 16 (fewer window loads per FMA:
  // 512 ch 32 px 218 → 185 ms, 128 ch 128 px 214 → 175 ms), else 4. Transposed convolutions:
  // every column phase in one lane (256 ch 32 → 64 px: 87 → 43 ms); it needs padX ≥ 0, which
  // every plan and adjoint here gives.
  const px = g.transposed ? UP_PX : cols >= 16 ? 8 : 4;
  const blocksX = Math.ceil(cols / px);
  const grid = [Math.ceil((rowsPerClass * blocksX) / SHUFFLE_WG), (COp / TCO) * phases, l.N] as [number, number, number];
  if (shuffle && (!g.transposed || g.padX >= 0) && grid.every((count) => count <= 65535)) {
    const shuffleBase = [...base];
    shuffleBase[12] = blocksX;
    const k = g.transposed
      ? convShuffleUpKernel({ pre: !!pre, post: !!post, kw: g.kw, stride: g.stride, r: g.padX % g.stride })
      : convShuffleKernel({ pre: !!pre, post: !!post, kw: g.kw, stride: g.stride, px });
    rt.dispatch(k, { read, write: [out], uniforms: [...shuffleBase, rowsPerClass], workgroups: grid });
  } else {
    const row3 = !g.transposed && g.kw === 3 && g.stride === 1;
    rt.dispatch(convKernel({ transposed: g.transposed, pre: !!pre, post: !!post, row3 }), {
      read,
      write: [out],
      uniforms: base,
      workgroups: Math.ceil((l.N * (COp / TCO) * g.Ho * phases * nxb) / WG),
    });
  }
  wl.dispose();
  return out;
}

function launchDemod(weight: Tensor, styles: Tensor): Tensor {
  const [O, I, kh, kw] = weight.shape;
  const N = styles.shape[0];
  const d = weight.rt.empty([N, O], 'f32', OP);
  weight.rt.dispatch(demodKernel, { read: [weight, styles], write: [d], uniforms: [N, I, O, kh * kw], workgroups: Math.ceil((N * O) / WG) });
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
  const z = launchConv({ input: x, weight, pre: styles, post: d, N, CI: I, CO: O, g, wCo: I * kk, wCi: kk });
  return attach(z, OP, [x, weight, styles], (gz) => {
    let q: Tensor | undefined;
    if (d) {
      q = rt.empty([N, O], 'f32', OP);
      rt.dispatch(demodGradKernel, { read: [gz, z, d], write: [q], uniforms: [N * O, g.Ho * g.Wo], workgroups: N * O });
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
        uniforms: [N, I, O, g.H * g.W, kk],
        workgroups: N * I,
      });
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      dw = rt.empty(weight.shape, 'f32', OP);
      const spec = { transposed: g.transposed, flip: g.flip, demod: !!d };
      const read = [gz, x, styles, ...(d ? [d, weight, q!] : [])];
      const uniforms = [N, I, O, g.H, g.W, g.Ho, g.Wo, g.kh, g.kw, g.stride, i32(g.padY), i32(g.padX)];
      // Fewer than 8 output channels (ToRGB) would leave most lanes' shared loads unused.
      // The tap window unrolls: keep it to the sizes a generator meets (else the regblock kernel).
      if (O >= SHUFFLE_LANES && modulatedConv2dVariant(rt) === 'shuffle' && g.kw <= 7 && g.stride <= 4) {
        // Two input channels per lane: 3 loads per 16·kw FMAs at stride 1 (512 ch 32 px 295 → 270 ms;
        // three measured no better).
        const ipl = 2;
        const workgroups: [number, number, number] = [Math.ceil(I / (SHUFFLE_WG * ipl)), Math.ceil(O / TCO) * g.kh, 1];
        rt.dispatch(weightGradRowsKernel({ ...spec, kw: g.kw, stride: g.stride, ipl }), { read, write: [dw], uniforms, workgroups });
      } else {
        rt.dispatch(weightGradKernel(spec), { read, write: [dw], uniforms, workgroups: Math.ceil((Math.ceil(O / 4) * Math.ceil(I / 4) * kk) / WG) });
      }
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

/** w'[n,o,i,k] = w[o,i,k]·s[n,i]·d[n,o] (d = 1 without demodulation), one thread per element. */
const materialiseKernel = kernel(OP, 'materialise', () => `
${bindings([['Wt', 'f32'], ['S', 'f32'], ['D', 'f32']], [['out', 'f32']], 'N: u32, CI: u32, CO: u32, kk: u32, demod: u32')}
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
      rt.dispatch(materialiseKernel, { read: [weight, styles, d], write: [wAll], uniforms: [N, I, O, kk, +demod], workgroups: Math.ceil(wAll.size / 256) });
      const input = pl.preFir ? upfirdn2d(x, f, { padding: pl.preFir }) : x;
      let out = launchConv({ input, weight: wAll, N, CI: I, CO: O, g: pl.core, wCo: I * kk, wCi: kk, wBatch: O * I * kk });
      if (pl.postFir) out = upfirdn2d(out, f, { padding: pl.postFir.padding, gain: pl.postFir.gain });
      if (opts.noise) out = add(out, opts.noise);
      return out;
    }),
  );
}

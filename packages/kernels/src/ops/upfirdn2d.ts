/**
 * upfirdn2d: upsample, pad, FIR-filter and downsample every channel of an NCHW batch, as NVIDIA's
 * stylegan2-ada-pytorch `torch_utils/ops/upfirdn2d.py` (`_upfirdn2d_ref` and the CUDA op) define it:
 *
 *   1. upsample by inserting up−1 zeros after each pixel;
 *   2. pad with zeros by [px0, px1, py0, py1], measured on the upsampled image (negative = crop);
 *   3. convolve with the filter ('valid': every output's footprint lies in the padded image) —
 *      a true convolution, i.e. correlation with the flipped filter, unless `flipFilter`;
 *   4. keep every down-th pixel.
 *
 *   out = (in·up + pad0 + pad1 − taps + down) // down  per axis.
 *
 * Filters: 2-D [fh, fw] scaled by `gain`, or separable 1-D [taps] applied along x then along y,
 * each pass scaled by √gain (the official CUDA path runs exactly these two passes).
 *
 * Two kernels (`rt.variants.upfirdn2d`): `blocked` (below, the default where it fits) and
 * `direct`, one output pixel per thread, direct form, polyphase — the zero-stuffed image is never
 * built; each output visits only the taps that land on real input pixels (taps/up per axis) and
 * only those inside the image, so padding and cropping cost no branches in the inner loop.
 * Separable filters run as two passes of the same kernel (a [1, taps] then a [taps, 1] filter):
 * that is (taps/upx + taps/upy) multiply-adds per output instead of taps²/(upx·upy), for one
 * extra round trip of an intermediate image. `setupFilter` only makes filters separable from 8
 * taps up (as the official one), where the passes save 4× or more; smaller filters (StyleGAN2's
 * [1,3,3,1]) become 2-D and take the single fused pass.
 *
 * Backward w.r.t. x is upfirdn2d itself (`Upfirdn2dCuda.backward`): up and down swapped, the
 * filter flipped, padding [fw−px0−1, iw·upx − ow·downx + px0 − upx + 1, …]. The filter is a
 * constant: it gets no gradient.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

const WG = 256;

/** A FIR filter on the CPU, as `setupFilter` returns it. */
export interface FirFilter {
  readonly data: Float32Array;
  /** [taps] (separable) or [fh, fw]. */
  readonly shape: readonly [number] | readonly [number, number];
}

export type Scaling = number | readonly [number, number];
/** One number for all sides, [x, y], or [x0, x1, y0, y1] (x = width first, as the official order). */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number];

export interface Upfirdn2dOptions {
  /** Upsampling factor, one number or [x, y]. Default 1. */
  up?: Scaling;
  /** Downsampling factor, one number or [x, y]. Default 1. */
  down?: Scaling;
  /** Padding on the upsampled image; negative crops. Default 0. */
  padding?: Padding;
  /** False (default) = convolution, true = correlation. */
  flipFilter?: boolean;
  /** Overall scaling of the signal. Default 1. */
  gain?: number;
}

// ------------------------------------------------------------------------------------ setupFilter

export interface SetupFilterOptions {
  /** Divide by the sum of the taps (DC gain 1). Default true. */
  normalize?: boolean;
  flipFilter?: boolean;
  gain?: number;
  /** Keep a 1-D filter separable; by default only from 8 taps up. */
  separable?: boolean;
}

/**
 * The official `setup_filter`: a 1-D list of taps becomes the outer product [n, n] unless
 * separable (default: 1-D with ≥ 8 taps); then normalise, flip, and scale by gain^(ndim/2).
 * `null` is the identity filter (a 1×1 [1]).
 */
export function setupFilter(taps: number | readonly number[] | readonly (readonly number[])[] | null, opts: SetupFilterOptions = {}): FirFilter {
  const { normalize = true, flipFilter = false, gain = 1 } = opts;
  let data: number[];
  let shape: [number] | [number, number];
  if (taps === null || typeof taps === 'number') {
    data = [taps ?? 1];
    shape = [1];
  } else if (taps.length > 0 && Array.isArray(taps[0])) {
    const rows = taps as readonly (readonly number[])[];
    const fw = rows[0].length;
    if (rows.some((r) => !Array.isArray(r) || r.length !== fw || r.some((v) => Array.isArray(v)))) {
      throw new Error('setupFilter: a 2-D filter must be a list of equally long rows of numbers');
    }
    data = rows.flat();
    shape = [rows.length, fw];
  } else {
    data = [...(taps as readonly number[])];
    shape = [data.length];
  }
  if (data.length === 0 || data.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new Error(`setupFilter: the filter must be a non-empty list of finite numbers, got ${JSON.stringify(taps)}`);
  }
  const separable = opts.separable ?? (shape.length === 1 && data.length >= 8);
  if (shape.length === 1 && !separable) {
    const n = data.length;
    const outer: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) outer.push(data[i] * data[j]);
    data = outer;
    shape = [n, n];
  } else if (shape.length === 2 && separable) {
    throw new Error(`setupFilter: a 2-D filter ${formatShape(shape)} cannot be separable`);
  }
  if (normalize) {
    const s = data.reduce((a, b) => a + b, 0);
    data = data.map((v) => v / s);
  }
  // Flipping all axes of a row-major array reverses it.
  if (flipFilter) data.reverse();
  const g = gain ** (shape.length / 2);
  return { data: Float32Array.from(data, (v) => v * g), shape };
}

const uploaded = new WeakMap<Runtime, Map<string, Tensor>>();
/**
 * The GPU copy of a CPU filter, uploaded once per runtime and content and kept for the runtime's
 * life (a handful of small buffers), so a filter in a training loop costs no upload per step.
 */
export function filterTensor(rt: Runtime, f: FirFilter): Tensor {
  let byKey = uploaded.get(rt);
  if (!byKey) uploaded.set(rt, (byKey = new Map()));
  const key = `${f.shape.join('x')}:${Array.from(f.data).join(',')}`;
  let t = byKey.get(key);
  if (!t || t.isDisposed) {
    t = rt.keep(rt.tensor(f.data, [...f.shape]));
    byKey.set(key, t);
  }
  return t;
}

// ------------------------------------------------------------------------------------ the kernel

const U = uniformStruct({
  total: 'u32', H: 'u32', W: 'u32', outH: 'u32', outW: 'u32', upx: 'i32', upy: 'i32', downx: 'u32', downy: 'u32',
  padx0: 'i32', pady0: 'i32', fw: 'i32', fh: 'i32', flip: 'u32', gain: 'f32',
});

const upfirdnKernel = kernel('upfirdn2d', 'direct', () => `
${bindings([['X', 'f32'], ['F', 'f32']], [['out', 'f32']], U.wgsl)}
// First tap t ≥ lo with (base + t) ≡ 0 (mod up): the taps that fall on real (not inserted) pixels.
fn firstTap(base: i32, lo: i32, up: i32) -> i32 {
  return lo + (up - (base + lo) % up) % up;
}
${flatMain(WG, `  if (idx >= u.total) { return; }
  let ox = idx % u.outW;
  let rest = idx / u.outW;
  let oy = rest % u.outH;
  let plane = rest / u.outH;
  // Upsampled-image coordinate under tap 0 of this output.
  let bx = i32(ox * u.downx) - u.padx0;
  let by = i32(oy * u.downy) - u.pady0;
  let txEnd = min(u.fw, i32(u.W) * u.upx - bx);
  let tyEnd = min(u.fh, i32(u.H) * u.upy - by);
  let txStart = firstTap(bx, max(0, -bx), u.upx);
  let tyStart = firstTap(by, max(0, -by), u.upy);
  let flip = u.flip != 0u;
  let planeBase = plane * u.H * u.W;
  var acc = 0.0;
  // The input row/column advance by one per visited tap: no integer division in the loops
  // (it is scalar on CPU backends). The starts are exact divisions (base + start ≡ 0 mod up).
  let ix0 = u32((bx + txStart) / u.upx);
  var iy = u32((by + tyStart) / u.upy);
  for (var ty = tyStart; ty < tyEnd; ty += u.upy) {
    let row = planeBase + iy * u.W;
    // Convolution reads the filter back to front; correlation (flip) front to back.
    let fRow = u32(select(u.fh - 1 - ty, ty, flip)) * u32(u.fw);
    var ix = ix0;
    for (var tx = txStart; tx < txEnd; tx += u.upx) {
      let fx = u32(select(u.fw - 1 - tx, tx, flip));
      acc = fma(X[row + ix], F[fRow + fx], acc);
      ix++;
    }
    iy++;
  }
  out[idx] = acc * u.gain;`)}`);

/**
 * The blocked kernel: the same sum, specialised on up, down, filter size, flip and the padding's
 * phase (padding mod up). A thread owns a strip of about 4 outputs across (`groupsX`) and 32 rows
 * down (`stepsY` groups of `up` rows), and slides a window of input rows down the strip: each step
 * loads only the `down` rows it has not seen and carries the rest in registers. lavapipe
 * compiles each lane's buffer access separately and scalarises integer division, so what pays is
 * (1) every tap, phase and offset a compile-time constant — the filter is read at constant
 * indices (one broadcast load each) and the loop's trip count is fixed; (2) few loads per
 * output: a 4×4 FIR loads 7 pixels per step for 4 outputs; (3) vec4 stores where rows allow.
 * Edges clamp the address and zero the value, as padding. Threads walk the x blocks fastest over
 * a flat grid, so narrow images (StyleGAN2's 8–32 px layers) leave no lanes idle.
 * Measured on lavapipe against 8×8 blocks with one lane per x block of a row: [4, 512, 19, 19]
 * 4×4 FIR 26–37 → 1.7 ms, [1, 3, 512, 512] up-2 6.2–7.2 → 3.6–3.9 ms, [1, 64, 513, 513] FIR 73–79
 * → 56–60 ms (interleaved runs under load). Strips 8 or 16 wide and 16 or 64 tall were no better
 * overall; 16 wide doubled the down-2 time.
 *
 * Derivation (x; y alike): output ox = G·up + s reads the upsampled coordinate b = ox·down − pad0
 * plus tap t; only t ≡ phase − s·down (mod up) lands on a real pixel, at
 *   ix = G·down − ⌊pad0/up⌋ + (s·down − phase + t)/up,
 * so with G = block·GX + k every ix is a per-thread base plus a constant offset.
 */
interface BlockedSpec {
  upx: number;
  upy: number;
  downx: number;
  downy: number;
  fw: number;
  fh: number;
  flip: boolean;
  /** padding mod up, per axis. */
  phx: number;
  phy: number;
  /** Store rows of the block as vec4s (outW and the block width are multiples of 4). */
  vec4: boolean;
}

const BLOCKED_WG = 64;
const mod = (a: number, m: number) => ((a % m) + m) % m;
/** Groups of `up` outputs per thread across: about 4 outputs. */
const groupsX = (up: number) => Math.max(1, Math.floor(4 / up));
/** Steps down the strip, each a group of `up` output rows: about 32 rows. */
const stepsY = (up: number) => Math.max(1, Math.round(32 / up));

interface AxisTap {
  /** Output index within the thread's block along this axis. */
  out: number;
  /** Input offset from the thread's base. */
  offset: number;
  /** Filter index along this axis (after the flip convention). */
  f: number;
}

/** Every (output, tap) pair along one axis of a block, with its input offset and filter index. */
function axisTaps(up: number, down: number, taps: number, phase: number, groups: number, flip: boolean): AxisTap[] {
  const out: AxisTap[] = [];
  for (let k = 0; k < groups; k++) {
    for (let s = 0; s < up; s++) {
      const t0 = mod(phase - s * down, up);
      const e = (s * down - phase + t0) / up; // exact
      for (let t = t0, j = 0; t < taps; t += up, j++) {
        out.push({ out: k * up + s, offset: k * down + e + j, f: flip ? t : taps - 1 - t });
      }
    }
  }
  return out;
}

function blockedKey(s: BlockedSpec): string {
  return `blocked:${s.upx},${s.upy},${s.downx},${s.downy},${s.fw},${s.fh},${+s.flip},${s.phx},${s.phy}${s.vec4 ? ':vec4' : ''}`;
}

function blockedWgsl(s: BlockedSpec): string {
  const gx = groupsX(s.upx);
  const bx = s.upx * gx;
  const steps = stepsY(s.upy);
  const xs = axisTaps(s.upx, s.downx, s.fw, s.phx, gx, s.flip);
  // One group of upy output rows per step; its taps' rows relative to the step's first input row.
  const ys = axisTaps(s.upy, s.downy, s.fh, s.phy, 1, s.flip);
  const xOffsets = [...new Set(xs.map((t) => t.offset))].sort((a, b) => a - b);
  const yMin = Math.min(...ys.map((t) => t.offset));
  const window = Math.max(...ys.map((t) => t.offset)) - yMin + 1;
  // Each step moves down by downy input rows: rows below that are carried over, the rest loaded.
  const fresh = Math.min(window, s.downy);
  const name = (o: number) => (o < 0 ? `m${-o}` : `${o}`);
  const cols: string[] = [];
  for (const o of xOffsets) {
    cols.push(`  let ix${name(o)} = ixBase + ${o};`);
    cols.push(`  let cx${name(o)} = u32(clamp(ix${name(o)}, 0, i32(u.W) - 1));`);
    cols.push(`  let okx${name(o)} = ix${name(o)} >= 0 && ix${name(o)} < i32(u.W);`);
  }
  const loadRow = (r: number, rowExpr: string, indent: string) => {
    const lines = [
      `${indent}{ let iy = ${rowExpr};`,
      `${indent}  let ry = planeBase + u32(clamp(iy, 0, i32(u.H) - 1)) * u.W;`,
      `${indent}  let oky = iy >= 0 && iy < i32(u.H);`,
    ];
    for (const o of xOffsets) lines.push(`${indent}  w${r}_${name(o)} = select(0.0, X[ry + cx${name(o)}], oky && okx${name(o)});`);
    lines.push(`${indent}}`);
    return lines.join('\n');
  };
  const decls: string[] = [];
  for (let r = 0; r < window; r++) decls.push(`  ${xOffsets.map((o) => `var w${r}_${name(o)}: f32;`).join(' ')}`);
  const prologue: string[] = [];
  for (let r = 0; r < window - fresh; r++) prologue.push(loadRow(r, `iyBase + ${r}`, '  '));
  const body: string[] = [];
  for (let r = window - fresh; r < window; r++) body.push(loadRow(r, `rowBase + ${r}`, '    '));
  const fIdx = new Set<number>();
  for (const ty of ys) for (const tx of xs) fIdx.add(ty.f * s.fw + tx.f);
  const filters = [...fIdx].sort((a, b) => a - b).map((i) => `  let f${i} = F[${i}u];`);
  const sum = (oy: number, ox: number) => {
    const terms: string[] = [];
    for (const ty of ys.filter((t) => t.out === oy)) {
      for (const tx of xs.filter((t) => t.out === ox)) terms.push(`w${ty.offset - yMin}_${name(tx.offset)} * f${ty.f * s.fw + tx.f}`);
    }
    return terms.length ? terms.join(' + ') : '0.0';
  };
  for (let oy = 0; oy < s.upy; oy++) {
    const row = `(plane * u.outH + oyg + ${oy}u) * u.outW + ox0`;
    const guard = oy === 0 ? '' : `oyg + ${oy}u < u.outH && `;
    if (s.vec4) {
      // CPU adapters pay per lane per store: one 16-byte store instead of four.
      for (let ox = 0; ox < bx; ox += 4) {
        const parts = [0, 1, 2, 3].map((j) => sum(oy, ox + j)).join(', ');
        body.push(`    if (${guard}ox0 + ${ox}u < u.outW) { out[(${row} + ${ox}u) / 4u] = vec4f(${parts}) * u.gain; }`);
      }
    } else {
      for (let ox = 0; ox < bx; ox++) body.push(`    if (${guard}ox0 + ${ox}u < u.outW) { out[${row} + ${ox}u] = (${sum(oy, ox)}) * u.gain; }`);
    }
  }
  for (let r = 0; r + s.downy < window; r++) for (const o of xOffsets) body.push(`    w${r}_${name(o)} = w${r + s.downy}_${name(o)};`);
  return `
${bindings([['X', 'f32'], ['F', 'f32']], [['out', s.vec4 ? 'vec4f' : 'f32']], BLOCKED_U.wgsl)}
${flatMain(BLOCKED_WG, `  // Threads walk x blocks fastest, so neighbouring lanes write neighbouring outputs however narrow the image.
  if (idx >= u.xBlocks * u.rowBlocks) { return; }
  let xb = idx % u.xBlocks;
  let rowBlock = idx / u.xBlocks;
  let plane = rowBlock / u.yBlocks;
  let yb = rowBlock % u.yBlocks;
  let oy0 = yb * ${steps * s.upy}u;
  let ox0 = xb * ${bx}u;
  let planeBase = plane * u.H * u.W;
  let ixBase = i32(xb * ${gx * s.downx}u) - u.qx;
  let iyBase = i32(yb * ${steps * s.downy}u) - u.qy + ${yMin};
${cols.join('\n')}
${filters.join('\n')}
${decls.join('\n')}
${prologue.join('\n')}
  for (var g = 0u; g < ${steps}u; g++) {
    let oyg = oy0 + g * ${s.upy}u;
    if (oyg >= u.outH) { break; }
    let rowBase = iyBase + i32(g * ${s.downy}u);
${body.join('\n')}
  }`)}`;
}

const BLOCKED_U = uniformStruct({
  H: 'u32', W: 'u32', outH: 'u32', outW: 'u32', qx: 'i32', qy: 'i32', xBlocks: 'u32', yBlocks: 'u32', rowBlocks: 'u32', gain: 'f32',
});

/** Whether the blocked kernel takes this pass (small filters and factors; the direct kernel otherwise). */
function blockedFits(fw: number, fh: number, p: Params): boolean {
  if (fw * fh > 64 || Math.max(p.upx, p.upy, p.downx, p.downy) > 4) return false;
  // Where no tap ever lands on a real pixel along an axis (a filter no longer than the padding's
  // phase can reach, e.g. 1 tap, up 2, down 2, padding 1) the block has no loads to generate;
  // the direct kernel gives those zeros.
  const reaches = (up: number, down: number, taps: number, pad0: number) => axisTaps(up, down, taps, mod(pad0, up), 1, false).length > 0;
  return reaches(p.upx, p.downx, fw, p.padx0) && reaches(p.upy, p.downy, fh, p.pady0);
}

// ------------------------------------------------------------------------------------ launch

interface Params {
  upx: number;
  upy: number;
  downx: number;
  downy: number;
  padx0: number;
  padx1: number;
  pady0: number;
  pady1: number;
}

function parseScaling(name: string, v: Scaling | undefined, shapes: string): [number, number] {
  const [x, y] = v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v;
  if (![x, y].every((s) => Number.isInteger(s) && s >= 1) || (typeof v === 'object' && v.length !== 2)) {
    throw new Error(`upfirdn2d: ${name} must be a positive integer or [x, y] of them, got ${JSON.stringify(v)} (${shapes})`);
  }
  return [x, y];
}

function parsePadding(v: Padding | undefined, shapes: string): [number, number, number, number] {
  let p: number[];
  if (v === undefined) p = [0, 0, 0, 0];
  else if (typeof v === 'number') p = [v, v, v, v];
  else if (v.length === 2) p = [v[0], v[0], v[1], v[1]];
  else p = [...v];
  if (p.length !== 4 || !p.every(Number.isInteger)) {
    throw new Error(`upfirdn2d: padding must be an integer, [x, y] or [x0, x1, y0, y1], got ${JSON.stringify(v)} (${shapes})`);
  }
  return p as [number, number, number, number];
}

/** [fw, fh] as the official `_get_filter_size`: a 1-D filter is taps × taps. */
function filterSize(f: Tensor | FirFilter): [number, number] {
  const s: readonly number[] = f.shape;
  return s.length === 1 ? [s[0], s[0]] : [s[1], s[0]];
}

function checkFilter(op: string, x: Tensor, f: Tensor | FirFilter): void {
  const shapes = `x ${formatShape(x.shape)}, filter ${formatShape(f.shape)}`;
  if (x.rank !== 4) throw new Error(`${op}: x must be [N, C, H, W], got ${shapes}`);
  if (x.dtype !== 'f32') throw new Error(`${op}: x must be f32, got ${x.dtype} (${shapes})`);
  if (f.shape.length !== 1 && f.shape.length !== 2) throw new Error(`${op}: the filter must be [taps] or [fh, fw], got ${shapes}`);
  if (f.shape.some((d) => d < 1)) throw new Error(`${op}: empty filter (${shapes})`);
  if ('rt' in f) {
    if (f.dtype !== 'f32') throw new Error(`${op}: the filter must be f32, got ${f.dtype} (${shapes})`);
    x.rt.checkOwn(op, f);
  }
}

/** One dispatch of the direct kernel with a 2-D filter view [fh, fw] of the buffer `f`. */
function pass(x: Tensor, f: Tensor, fw: number, fh: number, p: Params, flip: boolean, gain: number, shapes: string): Tensor {
  const [N, C, H, W] = x.shape;
  const outW = Math.floor((W * p.upx + p.padx0 + p.padx1 - fw + p.downx) / p.downx);
  const outH = Math.floor((H * p.upy + p.pady0 + p.pady1 - fh + p.downy) / p.downy);
  if (outW < 1 || outH < 1) {
    throw new Error(`upfirdn2d: the output would be ${outH}×${outW} (${shapes}, up ${p.upx}×${p.upy}, down ${p.downx}×${p.downy}, padding [${p.padx0}, ${p.padx1}, ${p.pady0}, ${p.pady1}])`);
  }
  const rt = x.rt;
  const out = rt.empty([N, C, outH, outW], 'f32', 'upfirdn2d');
  const variant = rt.variant('upfirdn2d', ['blocked', 'direct'], 'blocked');
  if (variant === 'blocked' && blockedFits(fw, fh, p)) {
    const vec4 = outW % 4 === 0 && (p.upx * groupsX(p.upx)) % 4 === 0;
    const spec: BlockedSpec = { upx: p.upx, upy: p.upy, downx: p.downx, downy: p.downy, fw, fh, flip, phx: mod(p.padx0, p.upx), phy: mod(p.pady0, p.upy), vec4 };
    // The key names every specialisation of the WGSL; the runtime compiles each key once.
    const k = kernel('upfirdn2d', blockedKey(spec), () => blockedWgsl(spec));
    const xBlocks = Math.ceil(outW / (p.upx * groupsX(p.upx)));
    const yBlocks = Math.ceil(outH / (p.upy * stepsY(p.upy)));
    const rowBlocks = N * C * yBlocks;
    rt.dispatch(k, {
      read: [x, f],
      write: [out],
      uniforms: BLOCKED_U.pack({ H, W, outH, outW, qx: Math.floor(p.padx0 / p.upx), qy: Math.floor(p.pady0 / p.upy), xBlocks, yBlocks, rowBlocks, gain }),
      workgroups: Math.ceil((xBlocks * rowBlocks) / BLOCKED_WG),
    });
    return out;
  }
  rt.dispatch(upfirdnKernel, {
    read: [x, f],
    write: [out],
    uniforms: U.pack({ total: out.size, H, W, outH, outW, upx: p.upx, upy: p.upy, downx: p.downx, downy: p.downy, padx0: p.padx0, pady0: p.pady0, fw, fh, flip: flip ? 1 : 0, gain }),
    workgroups: Math.ceil(out.size / WG),
  });
  return out;
}

function upfirdnRaw(x: Tensor, f: Tensor, p: Params, flip: boolean, gain: number, shapes: string): Tensor {
  if (f.rank === 2) return pass(x, f, f.shape[1], f.shape[0], p, flip, gain, shapes);
  const taps = f.shape[0];
  const g = Math.sqrt(gain);
  const alongX = pass(x, f, taps, 1, { ...p, upy: 1, downy: 1, pady0: 0, pady1: 0 }, flip, g, shapes);
  const out = pass(alongX, f, 1, taps, { ...p, upx: 1, downx: 1, padx0: 0, padx1: 0 }, flip, g, shapes);
  alongX.dispose();
  return out;
}

function upfirdnWithGrad(x: Tensor, fir: Tensor | FirFilter, p: Params, flip: boolean, gain: number): Tensor {
  const shapes = `x ${formatShape(x.shape)}, filter ${formatShape(fir.shape)}`;
  const f = 'rt' in fir ? fir : filterTensor(x.rt, fir);
  const out = upfirdnRaw(x, f, p, flip, gain, shapes);
  return attach(out, 'upfirdn2d', [x], (dy) => {
    const [, , ih, iw] = x.shape;
    const [, , oh, ow] = dy.shape;
    const [fw, fh] = filterSize(f);
    const q: Params = {
      upx: p.downx,
      upy: p.downy,
      downx: p.upx,
      downy: p.upy,
      padx0: fw - p.padx0 - 1,
      padx1: iw * p.upx - ow * p.downx + p.padx0 - p.upx + 1,
      pady0: fh - p.pady0 - 1,
      pady1: ih * p.upy - oh * p.downy + p.pady0 - p.upy + 1,
    };
    f.assertLive('upfirdn2d backward (the filter was disposed)');
    // Itself an upfirdn2d with its own backward: a double backward comes for free.
    return [upfirdnWithGrad(dy, f, q, !flip, gain)];
  }, { higherOrder: true });
}

/**
 * Upsample (zero insertion), pad/crop, FIR-filter and downsample each channel of x [N, C, H, W].
 * `f` is a GPU tensor ([taps] separable or [fh, fw]) or a `setupFilter` result (uploaded once).
 * Differentiable in x.
 */
export function upfirdn2d(x: Tensor, f: Tensor | FirFilter, opts: Upfirdn2dOptions = {}): Tensor {
  checkFilter('upfirdn2d', x, f);
  const shapes = `x ${formatShape(x.shape)}, filter ${formatShape(f.shape)}`;
  const [upx, upy] = parseScaling('up', opts.up, shapes);
  const [downx, downy] = parseScaling('down', opts.down, shapes);
  const [padx0, padx1, pady0, pady1] = parsePadding(opts.padding, shapes);
  const gain = opts.gain ?? 1;
  if (!Number.isFinite(gain)) throw new Error(`upfirdn2d: gain must be finite, got ${gain} (${shapes})`);
  return upfirdnWithGrad(x, f, { upx, upy, downx, downy, padx0, padx1, pady0, pady1 }, opts.flipFilter ?? false, gain);
}

export interface ResampleOptions {
  /** Extra padding on top of the helper's own (negative crops). */
  padding?: Padding;
  flipFilter?: boolean;
  gain?: number;
}

function helperPadding(op: string, x: Tensor, f: Tensor | FirFilter, padding: Padding | undefined): [number, number, number, number] {
  checkFilter(op, x, f);
  return parsePadding(padding, `x ${formatShape(x.shape)}, filter ${formatShape(f.shape)}`);
}

/** Filters keeping the size: padding [px0 + fw//2, px1 + (fw−1)//2, …] (official `filter2d`). */
export function filter2d(x: Tensor, f: Tensor | FirFilter, opts: ResampleOptions = {}): Tensor {
  const [px0, px1, py0, py1] = helperPadding('filter2d', x, f, opts.padding);
  const [fw, fh] = filterSize(f);
  const padding = [px0 + (fw >> 1), px1 + ((fw - 1) >> 1), py0 + (fh >> 1), py1 + ((fh - 1) >> 1)] as const;
  return upfirdn2d(x, f, { padding, flipFilter: opts.flipFilter, gain: opts.gain });
}

/** Upsamples by `up` (default 2) with gain·upx·upy, output = input·up (official `upsample2d`). */
export function upsample2d(x: Tensor, f: Tensor | FirFilter, opts: ResampleOptions & { up?: Scaling } = {}): Tensor {
  const [px0, px1, py0, py1] = helperPadding('upsample2d', x, f, opts.padding);
  const [upx, upy] = parseScaling('up', opts.up ?? 2, `upsample2d x ${formatShape(x.shape)}`);
  const [fw, fh] = filterSize(f);
  const padding = [px0 + Math.floor((fw + upx - 1) / 2), px1 + Math.floor((fw - upx) / 2), py0 + Math.floor((fh + upy - 1) / 2), py1 + Math.floor((fh - upy) / 2)] as const;
  return upfirdn2d(x, f, { up: [upx, upy], padding, flipFilter: opts.flipFilter, gain: (opts.gain ?? 1) * upx * upy });
}

/** Downsamples by `down` (default 2), output = input / down (official `downsample2d`). */
export function downsample2d(x: Tensor, f: Tensor | FirFilter, opts: ResampleOptions & { down?: Scaling } = {}): Tensor {
  const [px0, px1, py0, py1] = helperPadding('downsample2d', x, f, opts.padding);
  const [downx, downy] = parseScaling('down', opts.down ?? 2, `downsample2d x ${formatShape(x.shape)}`);
  const [fw, fh] = filterSize(f);
  const padding = [px0 + Math.floor((fw - downx + 1) / 2), px1 + Math.floor((fw - downx) / 2), py0 + Math.floor((fh - downy + 1) / 2), py1 + Math.floor((fh - downy) / 2)] as const;
  return upfirdn2d(x, f, { down: [downx, downy], padding, flipFilter: opts.flipFilter, gain: opts.gain });
}

/**
 * Image and feature normalisation, all differentiable:
 *
 *  - `normalizeChannels(x, mean, std)`: (x − mean_c) / std_c over dim 1 of [N, C, ...], as
 *    torchvision `transforms.Normalize` (CLIP's last preprocessing step, clip/clip.py `_transform`).
 *    Fused: one dispatch, the per-channel constants in uniforms (up to 16 channels; more go through
 *    broadcast elementwise ops). The backward is the same kernel with scale 1/std and no shift.
 *  - `centerCrop(x, size)`: torchvision `functional.center_crop` on [..., H, W]:
 *    top = round((H − h) / 2) with Python's round (half to even), likewise left; a crop larger than
 *    the image zero-pads first ((h − H) // 2 rows on top), as torchvision does. One windowed copy
 *    kernel; the backward is the same kernel with the window reversed.
 *  - `cosineSimilarity(a, b, axis, eps)`: `F.cosine_similarity` as torch 1.13 computes it,
 *    a·b / (max(‖a‖, eps) · max(‖b‖, eps)) (each norm clamped, checked against torch).
 *  - `l2Normalize(x, axis, eps)`: `F.normalize(p=2)`, x / max(‖x‖, eps).
 * The last two are compositions of existing ops (a handful of small dispatches on [B, 512]
 * features); at an exactly zero vector the gradient of ‖·‖ is NaN, where torch reports 0.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct, vec4f } from '../uniforms.js';
import { add, clampMin, div, mul, sqrt, square } from './elementwise.js';
import { sum } from './broadcast.js';
import { normAxis, reshape } from './shape.js';

const WG = 256;
const MAX_UNIFORM_CHANNELS = 16;

// -------------------------------------------------------------------------------- normalizeChannels

/** Up to MAX_UNIFORM_CHANNELS per-channel constants, packed 4 to a vec4. */
const AFFINE_U = uniformStruct({ scale: vec4f(MAX_UNIFORM_CHANNELS / 4), shift: vec4f(MAX_UNIFORM_CHANNELS / 4), n: 'u32', C: 'u32', inner: 'u32' });

const affineKernel = kernel('normalizeChannels', 'affine', () => `
${bindings([['X', 'f32']], [['Y', 'f32']], AFFINE_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let c = (idx / u.inner) % u.C;
  Y[idx] = X[idx] * u.scale[c / 4u][c % 4u] + u.shift[c / 4u][c % 4u];`)}`);

function affine(x: Tensor, C: number, scale: readonly number[], shift: readonly number[]): Tensor {
  const rt = x.rt;
  const y = rt.empty(x.shape, 'f32', 'normalizeChannels');
  const inner = x.shape.slice(2).reduce((a, b) => a * b, 1);
  rt.dispatch(affineKernel, {
    read: [x],
    write: [y],
    uniforms: AFFINE_U.pack({ scale, shift, n: x.size, C, inner: Math.max(inner, 1) }),
    workgroups: Math.ceil(x.size / WG),
  });
  return y;
}

/** (x − mean[c]) / std[c] for x of shape [N, C, ...]; mean and std have C entries (or 1, shared). */
export function normalizeChannels(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  if (x.dtype !== 'f32') throw new Error(`normalizeChannels: expected an f32 tensor, got ${x.dtype} ${formatShape(x.shape)}`);
  x.assertLive('normalizeChannels');
  if (x.rank < 2) throw new Error(`normalizeChannels: x must be [N, C, ...], got ${formatShape(x.shape)}`);
  const C = x.shape[1];
  const fit = (v: readonly number[], what: string): number[] => {
    if (v.length !== C && v.length !== 1) throw new Error(`normalizeChannels: ${v.length} ${what} values for ${C} channels of ${formatShape(x.shape)}`);
    if (v.some((e) => !Number.isFinite(e))) throw new Error(`normalizeChannels: ${what} must be finite, got [${v.join(', ')}]`);
    return Array.from({ length: C }, (_, c) => v[v.length === 1 ? 0 : c]);
  };
  const m = fit(mean, 'mean');
  const s = fit(std, 'std');
  if (s.some((e) => e === 0)) throw new Error(`normalizeChannels: std evaluated to zero ([${std.join(', ')}]), leading to division by zero`);
  const scale = s.map((e) => 1 / e);
  const shift = m.map((e, c) => -e * scale[c]);
  if (C > MAX_UNIFORM_CHANNELS) {
    const rt = x.rt;
    const bshape = [1, C, ...x.shape.slice(2).map(() => 1)];
    return add(mul(x, rt.tensor(scale, bshape)), rt.tensor(shift, bshape));
  }
  const y = affine(x, C, scale, shift);
  return attach(y, 'normalizeChannels', [x], (g) => [affine(g, C, scale, [])]);
}

// -------------------------------------------------------------------------------- centerCrop

/** out[..., i, j] = x[..., i + top, j + left], zero outside x. */
const WINDOW_U = uniformStruct({ n: 'u32', outH: 'u32', outW: 'u32', inH: 'u32', inW: 'u32', top: 'i32', left: 'i32' });
const windowKernel = kernel('centerCrop', 'window', () => `
${bindings([['X', 'f32']], [['Y', 'f32']], WINDOW_U.wgsl)}
${flatMain(WG, `  if (idx >= u.n) { return; }
  let j = i32(idx % u.outW);
  let i = i32((idx / u.outW) % u.outH);
  let plane = idx / (u.outW * u.outH);
  let y = i + u.top;
  let x = j + u.left;
  var v = 0.0;
  if (y >= 0 && y < i32(u.inH) && x >= 0 && x < i32(u.inW)) { v = X[(plane * u.inH + u32(y)) * u.inW + u32(x)]; }
  Y[idx] = v;`)}`);

function window(x: Tensor, outH: number, outW: number, top: number, left: number): Tensor {
  const rt = x.rt;
  const [inH, inW] = x.shape.slice(-2);
  const y = rt.empty([...x.shape.slice(0, -2), outH, outW], 'f32', 'centerCrop');
  rt.dispatch(windowKernel, { read: [x], write: [y], uniforms: WINDOW_U.pack({ n: y.size, outH, outW, inH, inW, top, left }), workgroups: Math.ceil(y.size / WG) });
  return y;
}

/** Python's round() on a multiple of 0.5: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  if (v - f !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

/** The first source row (column) of a centred window of `crop` in `size`, torchvision's way. */
export function centerCropOffset(size: number, crop: number): number {
  return crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2);
}

/** The centred [h, w] window of the last two dims, as torchvision center_crop (zero-padded if larger). */
export function centerCrop(x: Tensor, size: number | readonly [number, number]): Tensor {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (x.dtype !== 'f32') throw new Error(`centerCrop: expected an f32 tensor, got ${x.dtype} ${formatShape(x.shape)}`);
  x.assertLive('centerCrop');
  if (x.rank < 2) throw new Error(`centerCrop: x must be [..., H, W], got ${formatShape(x.shape)}`);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) throw new Error(`centerCrop: size must be positive integers, got [${h}, ${w}] for ${formatShape(x.shape)}`);
  const [H, W] = x.shape.slice(-2);
  const top = centerCropOffset(H, h);
  const left = centerCropOffset(W, w);
  const y = window(x, h, w, top, left);
  return attach(y, 'centerCrop', [x], (g) => [window(g, H, W, -top, -left)]);
}

// -------------------------------------------------------------------------------- cosine / l2

function norm(x: Tensor, axis: number): Tensor {
  return sqrt(sum(square(x), axis, true));
}

/** a·b / (max(‖a‖, eps) · max(‖b‖, eps)) along `axis`, which is removed. a and b: same rank, broadcastable. */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = -1, eps = 1e-8): Tensor {
  if (a.rank !== b.rank) throw new Error(`cosineSimilarity: a ${formatShape(a.shape)} and b ${formatShape(b.shape)} must have the same rank`);
  const ax = normAxis('cosineSimilarity', axis, a.rank);
  if (a.shape[ax] !== b.shape[ax]) throw new Error(`cosineSimilarity: a ${formatShape(a.shape)} and b ${formatShape(b.shape)} differ along axis ${axis}`);
  if (!(eps >= 0)) throw new Error(`cosineSimilarity: eps must be ≥ 0, got ${eps}`);
  const dot = sum(mul(a, b), ax, true);
  const cos = div(dot, mul(clampMin(norm(a, ax), eps), clampMin(norm(b, ax), eps)));
  return reshape(cos, cos.shape.filter((_, i) => i !== ax));
}

/** x / max(‖x‖₂, eps) along `axis`, as F.normalize(x, p=2, dim=axis). */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const ax = normAxis('l2Normalize', axis, x.rank);
  if (!(eps >= 0)) throw new Error(`l2Normalize: eps must be ≥ 0, got ${eps}`);
  return div(x, clampMin(norm(x, ax), eps));
}

/**
 * Counter-based random numbers on the GPU: Philox4x32-10 (Salmon et al., "Parallel random numbers:
 * as easy as 1, 2, 3", SC'11; the generator behind curand's and PyTorch's CUDA Philox).
 *
 * The stream for a `seed` is a sequence of 32-bit words: block b (a 64-bit counter) is
 * philox4x32_10(counter = [b_lo, b_hi, 0, 0], key = [seed_lo, seed_hi]) and gives words 4b … 4b+3.
 * Element i of a request with `offset` k takes word k + i, so a result depends only on
 * (seed, offset + i): never on the shape, the dispatch size or how the runtime splits the grid,
 * and `offset: k` continues a stream exactly where k words were used before.
 *
 *  - `randomBits`: the raw words (u32).
 *  - `randomUniform`: low + (high − low) · u, u = (word >> 8) · 2⁻²⁴ ∈ [0, 1) (24 bits: every value
 *    exactly representable in f32).
 *  - `randomNormal`: mean + std · z by Box–Muller on the word pairs (4b, 4b+1) and (4b+2, 4b+3):
 *    u1 = ((w0 >> 8) + 1) · 2⁻²⁴ ∈ (0, 1], θ = 2π·(w1 >> 8)·2⁻²⁴ − π, r = √(−2 ln u1),
 *    z0 = −r cos θ (even word), z1 = −r sin θ (odd word). (θ is shifted into [−π, π) where WGSL's
 *    sin/cos are specified; the sign flip undoes the shift.)
 *
 * One invocation computes one Philox block and writes its (up to) four elements.
 */
import { bindings, flatMain, kernel, type Kernel } from '../kernel.js';
import type { Runtime } from '../runtime.js';
import { type Tensor, formatShape, shapeSize } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';

export interface RandomOptions {
  /** Integer in [0, 2^53): the Philox key. */
  seed: number;
  /** Words of the stream to skip, integer in [0, 2^53). Default 0. */
  offset?: number;
}
export interface UniformOptions extends RandomOptions {
  low?: number;
  high?: number;
}
export interface NormalOptions extends RandomOptions {
  mean?: number;
  std?: number;
}

const WG = 64;
type Kind = 'bits' | 'uniform' | 'normal';

const PHILOX = `
fn mulhi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p01 = a0 * b1; let p10 = a1 * b0;
  let mid = ((a0 * b0) >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}
fn philox(counter: vec4u, key0: vec2u) -> vec4u {
  var c = counter; var k = key0;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k += vec2u(0x9E3779B9u, 0xBB67AE85u); }
    let hi0 = mulhi(0xD2511F53u, c.x); let lo0 = 0xD2511F53u * c.x;
    let hi1 = mulhi(0xCD9E8D57u, c.z); let lo1 = 0xCD9E8D57u * c.z;
    c = vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}`;

const U = uniformStruct({ n: 'u32', blocks: 'u32', blockLo: 'u32', blockHi: 'u32', phase: 'u32', keyLo: 'u32', keyHi: 'u32', a: 'f32', b: 'f32' });

function randomWgsl(kind: Kind): string {
  const type = kind === 'bits' ? 'u32' : 'f32';
  const values =
    kind === 'bits'
      ? '  let v = w;'
      : kind === 'uniform'
        ? '  let v = u.a + u.b * (vec4f(w >> vec4u(8u)) * 5.9604644775390625e-8);'
        : `  let u1 = (vec2f(w.xz >> vec2u(8u)) + 1.0) * 5.9604644775390625e-8;
  let theta = vec2f(w.yw >> vec2u(8u)) * (6.283185307179586 * 5.9604644775390625e-8) - 3.141592653589793;
  let r = sqrt(-2.0 * log(u1));
  let v = u.a - u.b * vec4f(r.x * cos(theta.x), r.x * sin(theta.x), r.y * cos(theta.y), r.y * sin(theta.y));`;
  return `
${bindings([], [['out', type]], U.wgsl)}
${PHILOX}
${flatMain(WG, `  if (idx >= u.blocks) { return; }
  let lo = u.blockLo + idx;
  let hi = u.blockHi + select(0u, 1u, lo < u.blockLo);
  let w = philox(vec4u(lo, hi, 0u, 0u), vec2u(u.keyLo, u.keyHi));
${values}
  // Element index of lane j: 4·idx + j − phase.
  for (var j = 0u; j < 4u; j++) {
    let e = i32(4u * idx + j) - i32(u.phase);
    if (e >= 0 && u32(e) < u.n) { out[u32(e)] = v[j]; }
  }`)}`;
}

const randomKernels: Record<Kind, Kernel> = {
  bits: kernel('random', 'bits', () => randomWgsl('bits')),
  uniform: kernel('random', 'uniform', () => randomWgsl('uniform')),
  normal: kernel('random', 'normal', () => randomWgsl('normal')),
};

function split(op: string, name: string, v: number): [number, number] {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${op}: ${name} must be an integer in [0, 2^53), got ${v}`);
  return [v % 2 ** 32, Math.floor(v / 2 ** 32)];
}

function generate(op: string, kind: Kind, rt: Runtime, shape: readonly number[], opts: RandomOptions, a: number, b: number): Tensor {
  if (!opts || opts.seed === undefined) throw new Error(`${op}: a seed is required`);
  const [keyLo, keyHi] = split(op, 'seed', opts.seed);
  const offset = opts.offset ?? 0;
  split(op, 'offset', offset);
  const n = shapeSize(shape);
  if (!Number.isSafeInteger(offset + n)) throw new Error(`${op}: offset ${offset} + ${n} elements passes 2^53`);
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`${op}: parameters must be finite, got ${a}, ${b}`);
  const out = rt.empty(shape, kind === 'bits' ? 'u32' : 'f32', op);
  if (n === 0) return out;
  const phase = offset % 4;
  const [blockLo, blockHi] = split(op, 'offset', Math.floor(offset / 4));
  const blocks = Math.ceil((phase + n) / 4);
  rt.dispatch(randomKernels[kind], {
    write: [out],
    uniforms: U.pack({ n, blocks, blockLo, blockHi, phase, keyLo, keyHi, a, b }),
    workgroups: Math.ceil(blocks / WG),
  });
  return out;
}

/** Raw Philox4x32-10 words for (seed, offset + i), as a u32 tensor. */
export function randomBits(rt: Runtime, shape: readonly number[], opts: RandomOptions): Tensor {
  return generate('randomBits', 'bits', rt, shape, opts, 0, 0);
}

/** Uniform in [low, high) (default [0, 1)), 24 random bits per value. */
export function randomUniform(rt: Runtime, shape: readonly number[], opts: UniformOptions): Tensor {
  const low = opts?.low ?? 0;
  const high = opts?.high ?? 1;
  if (!(high >= low)) throw new Error(`randomUniform: high ${high} is below low ${low} (shape ${formatShape(shape)})`);
  return generate('randomUniform', 'uniform', rt, shape, opts, low, high - low);
}

/** Normal(mean, std²) by Box–Muller. */
export function randomNormal(rt: Runtime, shape: readonly number[], opts: NormalOptions): Tensor {
  const std = opts?.std ?? 1;
  if (!(std >= 0)) throw new Error(`randomNormal: std must be ≥ 0, got ${std} (shape ${formatShape(shape)})`);
  return generate('randomNormal', 'normal', rt, shape, opts, opts?.mean ?? 0, std);
}

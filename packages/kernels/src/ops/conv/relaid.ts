/**
 * The weight layout modulatedConv2d's register-blocked and shuffle kernels read, and the kernel that
 * writes it. The fused modulated convolution (also its adjoint w.r.t. the input) is the spec's
 *   out[n, co, q] = post[n, co] · Σ_{ci, k} W(co, ci, k) · pre[n, ci] · in[n, ci, q ⊛ k]
 * (groups 1, dilation 1, one stride for both axes). The kernels read the weight relaid out as
 * Wl[ci][k][co] with co padded to a multiple of 8 (zeros), so a thread's 8 output channels are two
 * aligned vec4 loads. The relayout kernel reads W(co, ci, k) = Wt[n·wBatch + co·wCo + ci·wCi + k]
 * (the spec's strides: the adjoint reads the same weight transposed; wBatch > 0 only for the
 * unfused comparison route) and applies the tap flip, so the convolution itself has neither. It
 * moves O·I·kh·kw floats once per call. Optionally it folds pre and post into one weight per sample.
 */
import { bindings, kernel, type Kernel } from '../../kernel.js';
import type { Tensor } from '../../tensor.js';
import { uniformStruct } from '../../uniforms.js';
import type { ConvSpec } from './spec.js';

/** Output channels per thread (and the channel padding of the relaid weight). */
export const TCO = 8;
/** Relayout threads per workgroup, along co. */
const RELAYOUT_WG = 64;

const RELAYOUT_UNIFORMS = uniformStruct({ CI: 'u32', CO: 'u32', COp: 'u32', kk: 'u32', wCo: 'u32', wCi: 'u32', wBatch: 'u32', flip: 'u32' });

/** The uniforms of every kernel reading a relaid weight (`shuffle` adds rowsPerClass). */
export const RELAID_FIELDS = {
  N: 'u32', CI: 'u32', CO: 'u32', H: 'u32', W: 'u32', Ho: 'u32', Wo: 'u32', kh: 'u32', kw: 'u32', S: 'u32', padY: 'i32', padX: 'i32',
  nxb: 'u32', phases: 'u32', COp: 'u32', wlBatch: 'u32',
} as const;
export const RELAID_UNIFORMS = uniformStruct(RELAID_FIELDS);

/** A relaid weight [batches, CI, kh·kw, COp]; wlBatch is its per-sample stride (0 = shared). */
export interface RelaidWeight {
  wl: Tensor;
  COp: number;
  wlBatch: number;
}

/** The uniform values of a relaid-weight launch with `nxb` pixel blocks per row and `phases` column phases. */
export function relaidValues(c: ConvSpec, r: RelaidWeight, nxb: number, phases: number) {
  return {
    N: c.N, CI: c.Cin, CO: c.Cout, H: c.H, W: c.W, Ho: c.OH, Wo: c.OW, kh: c.kh, kw: c.kw, S: c.sy, padY: c.py, padX: c.px,
    nxb, phases, COp: r.COp, wlBatch: r.wlBatch,
  };
}

/** The reads of a relaid-weight launch: input, relaid weight, then the scales still applied in the kernel. */
export function relaidReads(c: ConvSpec, r: RelaidWeight): Tensor[] {
  return [c.x, r.wl, ...(c.pre ? [c.pre] : []), ...(c.post ? [c.post] : [])];
}

// Grid (co blocks, tap k, sample·CI + ci): every index but co comes from the workgroup id, so no
// thread divides (lavapipe scalarises integer division per lane).
// With `pre`/`post` it also folds the per-sample scales into a per-sample weight (see `relayoutWeight`).
function relayoutKernel(op: string, pre: boolean, post: boolean): Kernel {
  const key = `relayout:${+pre}${+post}`;
  return kernel(op, key, () => {
    const reads: Array<[string, string]> = [['Wt', 'f32']];
    if (pre) reads.push(['pre', 'f32']);
    if (post) reads.push(['post', 'f32']);
    const scale = [...(pre ? ['pre[n * u.CI + ci]'] : []), ...(post ? ['post[n * u.CO + co]'] : [])].map((f) => ` * ${f}`).join('');
    return `
${bindings(reads, [['Wl', 'f32']], RELAYOUT_UNIFORMS.wgsl)}
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
  });
}

/**
 * Relays out `c`'s weight; with `fold`, pre and post are multiplied in (one weight per sample) and
 * the returned spec no longer carries them, so the convolution runs unscaled.
 */
export function relayoutWeight(c: ConvSpec, fold: boolean): { spec: ConvSpec; relaid: RelaidWeight } {
  if (c.groups !== 1 || c.dy !== 1 || c.dx !== 1 || c.sy !== c.sx || c.phase || c.bias) {
    throw new Error(`${c.op}: the relaid-weight kernels take groups 1, dilation 1, one stride, no bias and a whole output`);
  }
  const rt = c.x.rt;
  const kk = c.kh * c.kw;
  const COp = Math.ceil(c.Cout / TCO) * TCO;
  const pre = fold && !!c.pre;
  const post = fold && !!c.post;
  const batches = c.wBatch || fold ? c.N : 1;
  const wl = rt.empty([batches, c.Cin, kk, COp], 'f32', c.op);
  rt.dispatch(relayoutKernel(c.op, pre, post), {
    read: [c.weight, ...(pre ? [c.pre!] : []), ...(post ? [c.post!] : [])],
    write: [wl],
    uniforms: RELAYOUT_UNIFORMS.pack({ CI: c.Cin, CO: c.Cout, COp, kk, wCo: c.wCo, wCi: c.wCi, wBatch: c.wBatch, flip: +c.flip }),
    workgroups: [Math.ceil(COp / RELAYOUT_WG), kk, batches * c.Cin],
  });
  const spec = fold ? { ...c, pre: undefined, post: undefined } : c;
  return { spec, relaid: { wl, COp, wlBatch: batches > 1 ? c.Cin * kk * COp : 0 } };
}

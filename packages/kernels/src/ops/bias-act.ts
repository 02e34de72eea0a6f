/**
 * biasAct: fused bias, activation, gain and clamp, as NVIDIA's stylegan2-ada-pytorch
 * `torch_utils/ops/bias_act.py` (`_bias_act_ref`) defines it:
 *
 *   y = clamp(act(x + b[broadcast along dim], alpha) · gain, −clamp, +clamp)
 *
 * with the official `activation_funcs` table of default alphas and gains (lrelu: alpha 0.2,
 * gain √2; relu and swish: gain √2; everything else gain 1), plus `gelu` (the erf form, PyTorch's
 * default `F.gelu`) and `quickGelu` (x·σ(1.702x), OpenAI CLIP's). Alpha is only read by lrelu,
 * as in the official table (elu and selu use PyTorch's fixed constants). `clamp` < 0 or absent
 * disables clamping.
 *
 * One kernel per direction. The backward recomputes x + b and the activation instead of saving
 * them (one read of x and b is cheaper than writing and re-reading a second activation-sized
 * tensor), and zeroes the gradient where the clamp was active: |act·gain| > clamp, which is where
 * the reference's `Tensor.clamp` has zero gradient. The bias gradient is the x gradient summed
 * over every axis but `dim`.
 */
import { attach } from '../grad-node.js';
import { bindings, flatMain, kernel, type Kernel, type Uniform } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { uniformStruct } from '../uniforms.js';
import { sum } from './broadcast.js';
import { reshape } from './shape.js';

const WG = 256;

interface ActivationDef {
  /** Activation of `s` (= x + b) with parameter `alpha`, as WGSL. */
  f: string;
  /** Its derivative in `s`, `a` (the activation's value) and `alpha`, as WGSL. */
  df: string;
  defAlpha: number;
  defGain: number;
}

const SIGMOID = '(1.0 / (1.0 + exp(-s)))';
const SELU_ALPHA = '1.6732632423543772';
const SELU_SCALE = '1.0507009873554805';

/** The activations, their derivatives and the official defaults. */
export const ACTIVATIONS = {
  linear: { f: 's', df: '1.0', defAlpha: 0, defGain: 1 },
  relu: { f: 'max(s, 0.0)', df: 'select(0.0, 1.0, s > 0.0)', defAlpha: 0, defGain: Math.SQRT2 },
  lrelu: { f: 'select(alpha * s, s, s > 0.0)', df: 'select(alpha, 1.0, s > 0.0)', defAlpha: 0.2, defGain: Math.SQRT2 },
  // Written through exp(−2|s|) so large |s| cannot give inf/inf.
  tanh: { f: '(sign(s) * (1.0 - exp(-2.0 * abs(s))) / (1.0 + exp(-2.0 * abs(s))))', df: '(1.0 - a * a)', defAlpha: 0, defGain: 1 },
  sigmoid: { f: SIGMOID, df: '(a * (1.0 - a))', defAlpha: 0, defGain: 1 },
  elu: { f: 'select(exp(s) - 1.0, s, s > 0.0)', df: 'select(exp(s), 1.0, s > 0.0)', defAlpha: 0, defGain: 1 },
  selu: {
    f: `(${SELU_SCALE} * select(${SELU_ALPHA} * (exp(s) - 1.0), s, s > 0.0))`,
    df: `(${SELU_SCALE} * select(${SELU_ALPHA} * exp(s), 1.0, s > 0.0))`,
    defAlpha: 0,
    defGain: 1,
  },
  // PyTorch's softplus (beta 1, threshold 20), in the overflow-free form max(s,0) + log(1 + e^−|s|).
  softplus: { f: 'select(max(s, 0.0) + log(1.0 + exp(-abs(s))), s, s > 20.0)', df: `select(${SIGMOID}, 1.0, s > 20.0)`, defAlpha: 0, defGain: 1 },
  swish: { f: `(s * ${SIGMOID})`, df: `(${SIGMOID} * (1.0 + s * (1.0 - ${SIGMOID})))`, defAlpha: 0, defGain: Math.SQRT2 },
  gelu: {
    f: '(0.5 * s * (1.0 + erf(s * 0.7071067811865476)))',
    df: '(0.5 * (1.0 + erf(s * 0.7071067811865476)) + s * 0.3989422804014327 * exp(-0.5 * s * s))',
    defAlpha: 0,
    defGain: 1,
  },
  quickGelu: {
    f: '(s / (1.0 + exp(-1.702 * s)))',
    df: '((1.0 / (1.0 + exp(-1.702 * s))) * (1.0 + 1.702 * s * (1.0 - 1.0 / (1.0 + exp(-1.702 * s)))))',
    defAlpha: 0,
    defGain: 1,
  },
} satisfies Record<string, ActivationDef>;
export type Activation = keyof typeof ACTIVATIONS;

/**
 * erf for WGSL (which has none): Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7 — below f32's
 * resolution of gelu's output (0.5·s·(1 + erf)).
 */
const ERF = `
fn erf(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-z * z));
}`;

export interface BiasActOptions {
  /** The axis of x that `b` runs along. Default 1 (channels of NCHW). */
  dim?: number;
  act?: Activation;
  /** The activation's shape parameter (lrelu's slope); default from the table. */
  alpha?: number;
  /** Output scale; default from the table (√2 for relu, lrelu, swish). */
  gain?: number;
  /** Clamp the output to [−clamp, clamp]; undefined/null disables. */
  clamp?: number | null;
}

const FLAT_U = uniformStruct({ n: 'u32', inner: 'u32', C: 'u32', alpha: 'f32', gain: 'f32', clamp: 'f32' });
const VEC_U = uniformStruct({ rows: 'u32', cols4: 'u32', C: 'u32', alpha: 'f32', gain: 'f32', clamp: 'f32' });
/** vec4s per invocation per pass of the column loop (sizes the x grid). */
const VEC_PER_THREAD = 4;
const VEC_WG = 64;

/**
 * How x is walked. CPU adapters compile every lane's integer division and memory access
 * separately, so the fast layouts avoid a per-element `(idx / inner) % C` and move vec4s:
 *  - `rows`: x as [rows = outer·C][inner/4] vec4 (NCHW with H·W % 4 == 0); the row — and so the
 *    bias — comes from the workgroup id, the same for every lane.
 *  - `cols`: x as [outer][C/4] vec4 with the bias along the last axis (C % 4 == 0), read as vec4.
 *  - `plain`: no bias and a size divisible by 4: one row of vec4s.
 *  - `flat`: anything else, one element per invocation.
 */
type Layout = 'rows' | 'cols' | 'plain' | 'flat';

function layoutOf(size: number, inner: number, C: number, bias: boolean): Layout {
  if (!bias) return size % 4 === 0 ? 'plain' : 'flat';
  if (inner % 4 === 0) return 'rows';
  if (inner === 1 && C % 4 === 0) return 'cols';
  return 'flat';
}

/** The activation and its derivative as scalar WGSL functions; vec4 kernels apply them per component. */
function activationFns(def: ActivationDef): string {
  return `
fn actf(s: f32, alpha: f32) -> f32 { return ${def.f}; }
fn dactf(s: f32, a: f32, alpha: f32) -> f32 { return ${def.df}; }`;
}

function activationBody(grad: boolean, vec: boolean, x: string, g: string, store: (v: string) => string): string {
  const T = vec ? 'vec4f' : 'f32';
  const each = (f: string) => (vec ? `vec4f(${['x', 'y', 'z', 'w'].map((c) => f.replace(/#/g, `.${c}`)).join(', ')})` : f.replace(/#/g, ''));
  const head = `    let s = ${x};
    let a = ${each('actf(s#, u.alpha)')};
    let v = a * u.gain;`;
  return grad
    ? `${head}
    // Zero where the clamp was active (the reference's clamp passes the gradient only inside the range).
    let open = (abs(v) <= ${T}(u.clamp)) | ${vec ? 'vec4<bool>' : ''}(u.clamp < 0.0);
    ${store(`select(${T}(0.0), ${g} * u.gain * ${each('dactf(s#, a#, u.alpha)')}, open)`)}`
    : `${head}
    ${store(`select(clamp(v, ${T}(-u.clamp), ${T}(u.clamp)), v, u.clamp < 0.0)`)}`;
}

/** The key names everything the WGSL depends on; the runtime compiles each key once. */
function biasActKernel(act: Activation, layout: Layout, bias: boolean, grad: boolean): Kernel {
  return kernel(grad ? 'biasActGrad' : 'biasAct', `${act}:${layout}:${+bias}:${+grad}`, () => biasActWgsl(act, layout, bias, grad));
}

function biasActWgsl(act: Activation, layout: Layout, bias: boolean, grad: boolean): string {
  const def: ActivationDef = ACTIVATIONS[act];
  const vec = layout !== 'flat';
  const T = vec ? 'vec4f' : 'f32';
  const fns = `${act === 'gelu' ? ERF : ''}${activationFns(def)}`;
  const reads: Array<[string, string]> = [['X', T]];
  if (bias) reads.push(['B', layout === 'cols' ? 'vec4f' : 'f32']);
  if (grad) reads.push(['G', T]);
  if (!vec) {
    const x = bias ? 'X[idx] + B[(idx / u.inner) % u.C]' : 'X[idx]';
    return `
${bindings(reads, [['out', 'f32']], FLAT_U.wgsl)}
${fns}
${flatMain(WG, `  if (idx >= u.n) { return; }
${activationBody(grad, false, x, 'G[idx]', (v) => `out[idx] = ${v};`)}`)}`;
  }
  const b = layout === 'rows' ? 'bRow' : layout === 'cols' ? 'B[j]' : '';
  const x = b ? `X[i] + ${b}` : 'X[i]';
  return `
${bindings(reads, [['out', T]], VEC_U.wgsl)}
${fns}
@compute @workgroup_size(${VEC_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= u.rows) { return; }
${layout === 'rows' ? '  let bRow = vec4f(B[row % u.C]);' : ''}
  for (var j = gid.x; j < u.cols4; j += nwg.x * ${VEC_WG}u) {
    let i = row * u.cols4 + j;
${activationBody(grad, true, x, 'G[i]', (v) => `out[i] = ${v};`)}
  }
}`;
}

interface Launch {
  layout: Layout;
  uniforms: Uniform[];
  workgroups: number | [number, number, number];
}

function launchOf(rt: Tensor['rt'], size: number, inner: number, C: number, bias: boolean, alpha: number, gain: number, clampTo: number): Launch {
  const layout = layoutOf(size, inner, C, bias);
  const params = { C: Math.max(C, 1), alpha, gain, clamp: clampTo };
  if (layout === 'flat') return { layout, uniforms: FLAT_U.pack({ n: size, inner: Math.max(inner, 1), ...params }), workgroups: Math.ceil(size / WG) };
  const cols4 = layout === 'rows' ? inner / 4 : layout === 'cols' ? C / 4 : size / 4;
  const rows = size / 4 / cols4;
  const max = rt.gpu.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(max, Math.ceil(cols4 / (VEC_WG * VEC_PER_THREAD)));
  const y = Math.min(rows, max);
  return { layout, uniforms: VEC_U.pack({ rows, cols4, ...params }), workgroups: [x, y, Math.ceil(rows / y)] };
}

/**
 * y = clamp(act(x + b) · gain), b broadcast along `dim`; fused, differentiable in x and b.
 */
export function biasAct(x: Tensor, b?: Tensor | null, opts: BiasActOptions = {}): Tensor {
  const act = opts.act ?? 'linear';
  const shapes = `x ${formatShape(x.shape)}${b ? `, b ${formatShape(b.shape)}` : ''}`;
  if (!Object.prototype.hasOwnProperty.call(ACTIVATIONS, act)) {
    throw new Error(`biasAct: unknown activation '${String(act)}' (${shapes}); expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  const def: ActivationDef = ACTIVATIONS[act];
  x.rt.checkOwn('biasAct', x);
  if (x.dtype !== 'f32') throw new Error(`biasAct: x must be f32, got ${x.dtype} (${shapes})`);
  const dimArg = opts.dim ?? 1;
  let dim = dimArg;
  if (b) {
    x.rt.checkOwn('biasAct', b);
    if (b.dtype !== 'f32') throw new Error(`biasAct: b must be f32, got ${b.dtype} (${shapes})`);
    dim = dimArg < 0 ? dimArg + x.rank : dimArg;
    if (!Number.isInteger(dim) || dim < 0 || dim >= x.rank) throw new Error(`biasAct: dim ${dimArg} is out of range for ${shapes}`);
    if (b.rank !== 1 || b.shape[0] !== x.shape[dim]) {
      throw new Error(`biasAct: b must be a vector of length x.shape[${dim}] = ${x.shape[dim]}, got ${shapes}`);
    }
  }
  const alpha = opts.alpha ?? def.defAlpha;
  const gain = opts.gain ?? def.defGain;
  const clampTo = opts.clamp ?? -1;
  if (opts.clamp != null && !(opts.clamp >= 0)) throw new Error(`biasAct: clamp must be ≥ 0 or null, got ${opts.clamp} (${shapes})`);
  if (!Number.isFinite(alpha) || !Number.isFinite(gain)) throw new Error(`biasAct: alpha and gain must be finite, got ${alpha}, ${gain} (${shapes})`);

  const rt = x.rt;
  const inner = b ? x.shape.slice(dim + 1).reduce((p, d) => p * d, 1) : 1;
  const C = b ? x.shape[dim] : 1;
  const launch = launchOf(rt, x.size, inner, C, !!b, alpha, gain, clampTo);
  const { layout, uniforms, workgroups } = launch;
  const read = b ? [x, b] : [x];
  const y = rt.empty(x.shape, 'f32', 'biasAct');
  if (x.size === 0) return y;
  rt.dispatch(biasActKernel(act, layout, !!b, false), { read, write: [y], uniforms, workgroups });
  // dx = g · gain · act'(x + b) · [inside the clamp]: linear in g. For piecewise-linear activations
  // the factor is piecewise constant in x and b, so dx's own gradient goes to g alone (the same
  // product) — what makes a double backward (R1 through lrelu layers) exact almost everywhere.
  const inputGrad = (g: Tensor): Tensor => {
    const dx = rt.empty(x.shape, 'f32', 'biasAct backward');
    rt.dispatch(biasActKernel(act, layout, !!b, true), { read: [...read, g], write: [dx], uniforms, workgroups });
    return attach(dx, 'biasActGrad', [g], (gg) => [inputGrad(gg)], { higherOrder: true });
  };
  return attach(
    y,
    'biasAct',
    read,
    (g, ctx) => {
      const dx = inputGrad(g);
      if (!b || !ctx.needs[1]) return b ? [dx, null] : [dx];
      const others = x.shape.map((_, i) => i).filter((i) => i !== dim);
      const db = others.length ? sum(dx, others) : reshape(dx, b.shape);
      return [dx, db];
    },
    { higherOrder: PIECEWISE_LINEAR.has(act) },
  );
}

/** Activations whose derivative is piecewise constant: biasAct has a double backward for these. */
const PIECEWISE_LINEAR: ReadonlySet<Activation> = new Set<Activation>(['linear', 'relu', 'lrelu']);

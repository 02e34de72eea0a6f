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
import { attach } from '../autograd.js';
import { bindings, f32, flatMain, kernel, type Kernel } from '../kernel.js';
import { type Tensor, formatShape } from '../tensor.js';
import { sum } from './reduce.js';
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

const UNIFORMS = 'n: u32, inner: u32, C: u32, alpha: f32, gain: f32, clamp: f32';
const cache = new Map<string, Kernel>();

function biasActKernel(act: Activation, bias: boolean, grad: boolean): Kernel {
  const key = `${act}:${+bias}:${+grad}`;
  let k = cache.get(key);
  if (k) return k;
  const def: ActivationDef = ACTIVATIONS[act];
  const reads: Array<[string, string]> = [['X', 'f32']];
  if (bias) reads.push(['B', 'f32']);
  if (grad) reads.push(['G', 'f32']);
  const s = bias ? 'X[idx] + B[(idx / u.inner) % u.C]' : 'X[idx]';
  const head = `  if (idx >= u.n) { return; }
  let s = ${s};
  let alpha = u.alpha;
  let a = ${def.f};
  let v = a * u.gain;`;
  const body = grad
    ? `${head}
  // Zero where the clamp was active (the reference's clamp passes the gradient only inside the range).
  let open = u.clamp < 0.0 || abs(v) <= u.clamp;
  out[idx] = select(0.0, G[idx] * u.gain * ${def.df}, open);`
    : `${head}
  out[idx] = select(clamp(v, -u.clamp, u.clamp), v, u.clamp < 0.0);`;
  k = kernel(grad ? 'biasActGrad' : 'biasAct', key, () => `
${bindings(reads, [['out', 'f32']], UNIFORMS)}
${act === 'gelu' ? ERF : ''}
${flatMain(WG, body)}`);
  cache.set(key, k);
  return k;
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
  const uniforms = [x.size, Math.max(inner, 1), Math.max(C, 1), f32(alpha), f32(gain), f32(clampTo)];
  const read = b ? [x, b] : [x];
  const y = rt.empty(x.shape, 'f32', 'biasAct');
  rt.dispatch(biasActKernel(act, !!b, false), { read, write: [y], uniforms, workgroups: Math.ceil(x.size / WG) });
  return attach(y, 'biasAct', read, (g) => {
    const dx = rt.empty(x.shape, 'f32', 'biasAct backward');
    rt.dispatch(biasActKernel(act, !!b, true), { read: [...read, g], write: [dx], uniforms, workgroups: Math.ceil(x.size / WG) });
    if (!b?.requiresGrad) return b ? [dx, null] : [dx];
    const others = x.shape.map((_, i) => i).filter((i) => i !== dim);
    const db = others.length ? sum(dx, others) : reshape(dx, b.shape);
    return [dx, db];
  });
}

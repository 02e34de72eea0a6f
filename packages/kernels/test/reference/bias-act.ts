/**
 * Float64 bias_act as the official `_bias_act_ref` (torch_utils/ops/bias_act.py): add the bias
 * along `dim`, apply the activation (PyTorch's definitions), multiply by gain, clamp. And its
 * analytic gradient, used to check the kernels' derivatives independently of finite differences
 * near the clamp.
 */

/** erf by its Maclaurin series (|x| < 5; exact to ~1e-12 there), ±1 beyond. */
export function erf64(x: number): number {
  if (Math.abs(x) >= 5) return Math.sign(x);
  let term = x;
  let s = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    s += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Activation and its derivative, in float64. */
export const ACT_REF: Record<string, { f: (x: number, alpha: number) => number; df: (x: number, alpha: number) => number; alpha: number; gain: number }> = {
  linear: { f: (x) => x, df: () => 1, alpha: 0, gain: 1 },
  relu: { f: (x) => Math.max(x, 0), df: (x) => +(x > 0), alpha: 0, gain: Math.SQRT2 },
  lrelu: { f: (x, a) => (x > 0 ? x : a * x), df: (x, a) => (x > 0 ? 1 : a), alpha: 0.2, gain: Math.SQRT2 },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, alpha: 0, gain: 1 },
  sigmoid: { f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), alpha: 0, gain: 1 },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)), alpha: 0, gain: 1 },
  selu: { f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)), alpha: 0, gain: 1 },
  softplus: { f: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), df: (x) => (x > 20 ? 1 : sigmoid(x)), alpha: 0, gain: 1 },
  swish: { f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))), alpha: 0, gain: Math.SQRT2 },
  gelu: {
    f: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
    df: (x) => 0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
    alpha: 0,
    gain: 1,
  },
  quickGelu: { f: (x) => x * sigmoid(1.702 * x), df: (x) => sigmoid(1.702 * x) * (1 + 1.702 * x * (1 - sigmoid(1.702 * x))), alpha: 0, gain: 1 },
};

export interface BiasActRefOptions {
  shape: number[];
  dim: number;
  act: string;
  alpha?: number;
  gain?: number;
  clamp?: number;
}

function channelOf(i: number, o: BiasActRefOptions): number {
  const inner = o.shape.slice(o.dim + 1).reduce((a, b) => a * b, 1);
  return Math.floor(i / inner) % o.shape[o.dim];
}

export function biasActRef(x: Float64Array, b: Float64Array | undefined, o: BiasActRefOptions): Float64Array {
  const spec = ACT_REF[o.act];
  const alpha = o.alpha ?? spec.alpha;
  const gain = o.gain ?? spec.gain;
  return x.map((v, i) => {
    const y = spec.f(v + (b ? b[channelOf(i, o)] : 0), alpha) * gain;
    return o.clamp === undefined ? y : Math.min(Math.max(y, -o.clamp), o.clamp);
  });
}

/** [dx, db] for output gradient g; zero where the clamp is active, as torch.clamp's gradient. */
export function biasActGradRef(x: Float64Array, b: Float64Array | undefined, g: Float64Array, o: BiasActRefOptions): Array<Float64Array | null> {
  const spec = ACT_REF[o.act];
  const alpha = o.alpha ?? spec.alpha;
  const gain = o.gain ?? spec.gain;
  const dx = new Float64Array(x.length);
  const db = b ? new Float64Array(b.length) : null;
  for (let i = 0; i < x.length; i++) {
    const c = channelOf(i, o);
    const s = x[i] + (b ? b[c] : 0);
    const y = spec.f(s, alpha) * gain;
    const open = o.clamp === undefined || Math.abs(y) <= o.clamp;
    dx[i] = open ? g[i] * gain * spec.df(s, alpha) : 0;
    if (db) db[c] += dx[i];
  }
  return b ? [dx, db] : [dx];
}

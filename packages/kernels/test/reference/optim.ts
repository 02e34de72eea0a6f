/**
 * Float64 references of torch.optim.Adam and torch.optim.SGD, written from the algorithms in
 * torch's documentation (torch.optim.Adam / torch.optim.SGD, amsgrad and maximize off). Each
 * parameter carries its own state; a parameter without a gradient is skipped and its state stays.
 */

export interface AdamRefState {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

export interface AdamRefHyper {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
}

/** One Adam step of one parameter, in place on `p` and the state. */
export function adamRefStep(p: Float64Array, grad: ArrayLike<number>, s: AdamRefState, h: AdamRefHyper): void {
  const [b1, b2] = h.betas;
  s.step += 1;
  const bc1 = 1 - b1 ** s.step;
  const bc2 = 1 - b2 ** s.step;
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] + h.weightDecay * p[i];
    s.m[i] = b1 * s.m[i] + (1 - b1) * g;
    s.v[i] = b2 * s.v[i] + (1 - b2) * g * g;
    const mHat = s.m[i] / bc1;
    const vHat = s.v[i] / bc2;
    p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

export function newAdamRefState(n: number): AdamRefState {
  return { step: 0, m: new Float64Array(n), v: new Float64Array(n) };
}

export interface SgdRefHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdRefState {
  buffer: Float64Array | null;
}

/** One SGD step of one parameter, in place. */
export function sgdRefStep(p: Float64Array, grad: ArrayLike<number>, s: SgdRefState, h: SgdRefHyper): void {
  const d = Float64Array.from(grad, (g, i) => g + h.weightDecay * p[i]);
  if (h.momentum !== 0) {
    if (!s.buffer) s.buffer = Float64Array.from(d);
    else for (let i = 0; i < d.length; i++) s.buffer[i] = h.momentum * s.buffer[i] + (1 - h.dampening) * d[i];
    for (let i = 0; i < d.length; i++) d[i] = h.nesterov ? d[i] + h.momentum * s.buffer[i] : s.buffer[i];
  }
  for (let i = 0; i < p.length; i++) p[i] -= h.lr * d[i];
}

/**
 * The navigator M: K latent directions, each a unit vector in W, with optional attention over the
 * W+ layers ("layer heat"). As the author's `networks_navigator.py` (read for semantics):
 *
 *   'fixed'   direction k is a learned vector v_k, used as δ_k = v_k / ‖v_k‖ (unit norm always).
 *   'ada'     δ_k(w) = normalise(MLP_k(w)): each direction has its own small MLP (layers of
 *             lrelu, linear last), so the direction may bend with w.
 *   heat      'none': every layer moves (a_{k,l} = 1). 'global': a_k = softmax_l(logits_k), learned
 *             logits [K, numWs]. 'local': a_k(w) = softmax_l(linear(w)_k), predicted per w.
 *
 * The edit of w along direction k by step σ is  ws_l = w + σ · a_{k,l} · δ_k(w). (The official code
 * normalises δ to RMS 1, i.e. norm √w_dim; here δ is unit-norm and σ carries the scale.)
 *
 * Weights are GPU parameters; `save()` writes safetensors with the config and the calibrated step
 * scales in `__metadata__` (format 'stylegpu-navigator', version '1').
 */
import { readSafetensors, toFloat32, writeSafetensors, type HostTensor } from '@stylegpu/io';
import {
  add,
  biasAct,
  expand,
  l2Normalize,
  matmul,
  mul,
  reshape,
  softmax,
  sum,
  toHost,
  fromHost,
  ones,
  permute,
  type Runtime,
  type Tensor,
} from '@stylegpu/kernels';
import type { DirectionSet, LatentEditor } from '../direction-set.js';
import { SeededRandom } from '../linalg/seeded-random.js';

export type NavigatorType = 'fixed' | 'ada';
export type LayerHeat = 'none' | 'global' | 'local';

export interface NavigatorConfig {
  wDim: number;
  numWs: number;
  /** K, the number of directions. Default 10 (the official `--m_z_dim`). */
  directions: number;
  type: NavigatorType;
  heat: LayerHeat;
  /** 'ada': MLP layers (default 2, the official `num_layers`) and hidden width (default wDim). */
  adaLayers?: number;
  adaHidden?: number;
}

export const NAVIGATOR_FORMAT = 'stylegpu-navigator';
export const NAVIGATOR_VERSION = '1';

export function checkNavigatorConfig(c: NavigatorConfig, where = 'Navigator'): Required<NavigatorConfig> {
  const int = (v: unknown, what: string, min: number) => {
    if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${where}: ${what} must be an integer ≥ ${min}, got ${String(v)}`);
    return v as number;
  };
  int(c.wDim, 'wDim', 1);
  int(c.numWs, 'numWs', 1);
  int(c.directions, 'directions (K)', 2);
  if (c.type !== 'fixed' && c.type !== 'ada') throw new Error(`${where}: type must be 'fixed' or 'ada', got '${String(c.type)}'`);
  if (!['none', 'global', 'local'].includes(c.heat)) throw new Error(`${where}: heat must be 'none', 'global' or 'local', got '${String(c.heat)}'`);
  return { ...c, adaLayers: int(c.adaLayers ?? 2, 'adaLayers', 1), adaHidden: int(c.adaHidden ?? c.wDim, 'adaHidden', 1) };
}

/** Parameter names and shapes of a config. */
export function navigatorShapes(config: NavigatorConfig): Map<string, number[]> {
  const c = checkNavigatorConfig(config);
  const { wDim, numWs, directions: K } = c;
  const shapes = new Map<string, number[]>();
  if (c.type === 'fixed') shapes.set('directions', [K, wDim]);
  else {
    for (let i = 0; i < c.adaLayers; i++) {
      const inF = i === 0 ? wDim : c.adaHidden;
      const outF = i === c.adaLayers - 1 ? wDim : c.adaHidden;
      shapes.set(`mlp.${i}.weight`, [K, inF, outF]);
      shapes.set(`mlp.${i}.bias`, [K, 1, outF]);
    }
  }
  if (c.heat === 'global') shapes.set('heat.logits', [K, numWs]);
  if (c.heat === 'local') {
    shapes.set('heat.weight', [wDim, K * numWs]);
    shapes.set('heat.bias', [K * numWs]);
  }
  return shapes;
}

/** Directions and MLP weights N(0, 1/fan_in); heat logits and biases 0 (uniform attention at start). */
export function initNavigatorWeights(config: NavigatorConfig, seed: number): Map<string, HostTensor> {
  const rng = new SeededRandom(seed);
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of navigatorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const zero = name.startsWith('heat.') || name.endsWith('.bias');
    // Directions start near unit norm (std 1/√w_dim), like the vectors they are renormalised to after each step.
    const fanIn = shape[shape.length - (name === 'directions' ? 1 : 2)];
    out.set(name, { dtype: 'f32', shape, data: zero ? new Float32Array(n) : rng.normals(n, 1 / Math.sqrt(fanIn)) });
  }
  return out;
}

export class Navigator implements LatentEditor {
  readonly config: Required<NavigatorConfig>;
  readonly names: string[];
  /** Step per direction for traversals (α = ±1 walks ±stepScales[k]); set by training or calibration. */
  stepScales: number[];
  private disposed = false;

  private constructor(
    readonly rt: Runtime,
    config: NavigatorConfig,
    private readonly weights: Map<string, Tensor>,
    stepScales?: number[],
  ) {
    this.config = checkNavigatorConfig(config);
    this.names = Array.from({ length: config.directions }, (_, k) => `nav${k}`);
    this.stepScales = stepScales ?? Array.from({ length: config.directions }, () => 1);
  }

  get count(): number {
    return this.config.directions;
  }
  get wDim(): number {
    return this.config.wDim;
  }
  get numWs(): number {
    return this.config.numWs;
  }

  static create(rt: Runtime, config: NavigatorConfig, seed = 0): Navigator {
    return Navigator.fromWeights(rt, config, initNavigatorWeights(config, seed));
  }

  static fromWeights(rt: Runtime, config: NavigatorConfig, host: ReadonlyMap<string, HostTensor>, stepScales?: number[], source = 'Navigator.fromWeights'): Navigator {
    const shapes = navigatorShapes(config);
    for (const [name, shape] of shapes) {
      const t = host.get(name);
      if (!t) throw new Error(`${source}: missing weight '${name}' [${shape.join(', ')}] for a ${config.type} navigator with heat '${config.heat}'`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${source}: weight '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
    }
    const extra = [...host.keys()].filter((k) => !shapes.has(k));
    if (extra.length) throw new Error(`${source}: unexpected weights ${extra.join(', ')} for a ${config.type} navigator with heat '${config.heat}'`);
    if (stepScales && (stepScales.length !== config.directions || stepScales.some((s) => !(s > 0)))) {
      throw new Error(`${source}: step scales must be ${config.directions} positive numbers`);
    }
    const gpu = new Map<string, Tensor>();
    for (const name of shapes.keys()) {
      const t = rt.keep(fromHost(rt, { ...host.get(name)!, data: toFloat32(host.get(name)!) }, { name }));
      t.requiresGrad = true;
      gpu.set(name, t);
    }
    return new Navigator(rt, config, gpu, stepScales);
  }

  /** The trainable tensors by name. */
  parameters(): Map<string, Tensor> {
    this.checkAlive('parameters');
    return new Map(this.weights);
  }

  private p(name: string): Tensor {
    return this.weights.get(name)!;
  }

  /** Unit directions at w [P, wDim]: [P, K, wDim]. */
  directionsAt(w: Tensor): Tensor {
    this.checkAlive('directionsAt');
    this.checkW(w, 'directionsAt');
    const { wDim, directions: K } = this.config;
    const P = w.shape[0];
    if (this.config.type === 'fixed') {
      return expand(reshape(l2Normalize(this.p('directions'), -1), [1, K, wDim]), [P, K, wDim]);
    }
    // Every direction's MLP over the same batch: [K, P, in] × [K, in, out] batched matmuls.
    let x = expand(reshape(w, [1, P, wDim]), [K, P, wDim]);
    for (let i = 0; i < this.config.adaLayers; i++) {
      x = add(matmul(x, this.p(`mlp.${i}.weight`)), this.p(`mlp.${i}.bias`));
      if (i < this.config.adaLayers - 1) x = biasAct(x, null, { act: 'lrelu' });
    }
    const unit = l2Normalize(x, -1); // [K, P, wDim]
    return permute(unit, [1, 0, 2]);
  }

  /** Layer attention at w [P, wDim]: [P, K, numWs] (all ones without heat). */
  heatAt(w: Tensor): Tensor {
    this.checkAlive('heatAt');
    this.checkW(w, 'heatAt');
    const { numWs, directions: K } = this.config;
    const P = w.shape[0];
    if (this.config.heat === 'none') return ones(this.rt, [P, K, numWs]);
    if (this.config.heat === 'global') return expand(reshape(softmax(this.p('heat.logits'), -1), [1, K, numWs]), [P, K, numWs]);
    const logits = matmul(w, this.p('heat.weight'), { bias: this.p('heat.bias') });
    return softmax(reshape(logits, [P, K, numWs]), -1);
  }

  /**
   * The W+ offsets of unit steps along one direction per sample: w [P, wDim], selection one-hot
   * [P, K] → [P, numWs, wDim] (differentiable in the navigator's weights).
   */
  selectedOffsets(w: Tensor, onehot: Tensor): Tensor {
    const { wDim, numWs, directions: K } = this.config;
    const P = w.shape[0];
    if (onehot.rank !== 2 || onehot.shape[0] !== P || onehot.shape[1] !== K) throw new Error(`Navigator.selectedOffsets: selection must be [${P}, ${K}], got [${onehot.shape.join(', ')}]`);
    const sel = reshape(onehot, [P, K, 1]);
    const delta = sum(mul(this.directionsAt(w), sel), 1); // [P, wDim]
    const heat = sum(mul(this.heatAt(w), sel), 1); // [P, numWs]
    return mul(reshape(heat, [P, numWs, 1]), reshape(delta, [P, 1, wDim]));
  }

  /**
   * Rescales a fixed navigator's stored vectors to unit norm (after an optimiser step): the forward
   * normalises anyway, and keeping the raw norm at 1 keeps Adam's steps a constant angle.
   */
  renormalize(): void {
    if (this.config.type !== 'fixed') return;
    const v = this.p('directions');
    this.rt.noGrad(() => this.rt.tidy(() => this.rt.copy(l2Normalize(v, -1), v)));
  }

  /** LatentEditor: the offset of a unit step along direction k at w. */
  offset(w: Tensor, k: number): Tensor {
    if (!(Number.isInteger(k) && k >= 0 && k < this.count)) throw new Error(`Navigator.offset: direction ${k} is not in 0..${this.count - 1}`);
    const P = w.shape[0];
    const onehot = new Float32Array(P * this.count);
    for (let i = 0; i < P; i++) onehot[i * this.count + k] = 1;
    return this.selectedOffsets(w, this.rt.tensor(onehot, [P, this.count]));
  }

  /**
   * The optional diversity term: Σ_{i≠j} cos(δ_i, δ_j)² (mean over the batch for 'ada'); 0 when the
   * directions are orthogonal. w [P, wDim].
   */
  diversity(w: Tensor): Tensor {
    const { directions: K } = this.config;
    const d = this.config.type === 'fixed' ? reshape(l2Normalize(this.p('directions'), -1), [1, K, this.wDim]) : this.directionsAt(w);
    const gram = matmul(d, d, { transB: true }); // [B, K, K]
    const offDiag = new Float32Array(K * K).fill(1);
    for (let i = 0; i < K; i++) offDiag[i * K + i] = 0;
    const sq = mul(mul(gram, gram), this.rt.tensor(offDiag, [1, K, K]));
    return mul(sum(sq), this.rt.tensor([1 / d.shape[0]], [1]));
  }

  /** A fixed navigator's directions and heat as a `DirectionSet` (float64, read from the GPU). */
  async toDirectionSet(): Promise<DirectionSet> {
    const { wDim, numWs, directions: K } = this.config;
    if (this.config.type !== 'fixed') throw new Error("Navigator.toDirectionSet: an 'ada' navigator's directions depend on w; use it as a LatentEditor instead");
    if (this.config.heat === 'local') throw new Error("Navigator.toDirectionSet: 'local' heat depends on w; use the navigator as a LatentEditor instead");
    const [dirs, heat] = this.rt.noGrad(() => this.rt.tidy(() => {
      const w = this.rt.tensor(new Float32Array(wDim), [1, wDim]);
      return [reshape(this.directionsAt(w), [K, wDim]), reshape(this.heatAt(w), [K, numWs])];
    }));
    try {
      const vectors = Float64Array.from(await dirs.read());
      // Renormalise in float64 (the f32 normalisation is within ~1e-7 of unit).
      for (let k = 0; k < K; k++) {
        const n = Math.hypot(...vectors.subarray(k * wDim, (k + 1) * wDim));
        for (let i = 0; i < wDim; i++) vectors[k * wDim + i] /= n;
      }
      return {
        method: `navigator-${this.config.type}`,
        wDim,
        numWs,
        count: K,
        vectors,
        layerWeights: Float64Array.from(await heat.read()),
        names: [...this.names],
        stepScales: [...this.stepScales],
      };
    } finally {
      dirs.dispose();
      heat.dispose();
    }
  }

  async save(): Promise<Uint8Array> {
    this.checkAlive('save');
    const host = new Map<string, HostTensor>();
    for (const [name, t] of this.weights) host.set(name, await toHost(t));
    const c = this.config;
    return writeSafetensors(host, {
      format: NAVIGATOR_FORMAT,
      version: NAVIGATOR_VERSION,
      config: JSON.stringify({ wDim: c.wDim, numWs: c.numWs, directions: c.directions, type: c.type, heat: c.heat, adaLayers: c.adaLayers, adaHidden: c.adaHidden }),
      stepScales: JSON.stringify(this.stepScales),
    });
  }

  static load(rt: Runtime, bytes: Uint8Array, name = 'navigator file'): Navigator {
    let file;
    try {
      file = readSafetensors(bytes);
    } catch (e) {
      throw new Error(`Navigator.load: ${name} is not a safetensors file (${(e as Error).message}); pass a file written by Navigator.save / stylegpu discover train`);
    }
    const meta = file.metadata;
    if (meta.format !== NAVIGATOR_FORMAT) throw new Error(`Navigator.load: ${name} has format '${meta.format ?? '(none)'}', expected '${NAVIGATOR_FORMAT}'; pass a file written by stylegpu discover train`);
    if (meta.version !== NAVIGATOR_VERSION) throw new Error(`Navigator.load: ${name} is version '${meta.version}', this stylegpu reads version '${NAVIGATOR_VERSION}'`);
    let config: NavigatorConfig;
    let stepScales: number[];
    try {
      config = JSON.parse(meta.config);
      stepScales = JSON.parse(meta.stepScales ?? 'null') ?? undefined;
    } catch {
      throw new Error(`Navigator.load: ${name} has unreadable config metadata`);
    }
    return Navigator.fromWeights(rt, config, file.tensors, stepScales, `Navigator.load (${name})`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.weights.values()) t.dispose();
  }

  private checkW(w: Tensor, op: string): void {
    if (w.rank !== 2 || w.shape[1] !== this.config.wDim) throw new Error(`Navigator.${op}: w must be [P, ${this.config.wDim}], got [${w.shape.join(', ')}]`);
  }

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`Navigator.${op}: the navigator was disposed`);
  }
}

/**
 * The StyleCLIP-style latent mapper that StyleGAN-NADA ships for editing with an adapted generator
 * (rinongal/StyleGAN-nada `ZSSGAN/mapper/latent_mappers.py::LevelsMapper`, `mapper/training/coach.py`).
 *
 * Three independent mappers for the coarse `w[:, :4]`, medium `w[:, 4:8]` and fine `w[:, 8:]`
 * W+ groups (a group past the generator's numWs is empty: a 16-px model has 6 ws, so fine is
 * empty), each `PixelNorm` then 4 × `EqualLinear(D, D, lr_mul=0.01, activation='fused_lrelu')`:
 *   y = lrelu_0.2(x · (W · lr_mul/√D)ᵀ + b · lr_mul) · √2,   W ~ N(0, 1)/lr_mul,  b = 0 at init.
 * `--no_{coarse,medium,fine}_mapper` leave that group's M(w) zero (and create no parameters).
 * The edit is `ŵ = w + 0.1 · M(w)`.
 *
 * PixelNorm quirk, followed here: the mapper's PixelNorm is `x · rsqrt(mean(x², dim=1) + 1e-8)`
 * on the [N, group, D] slice, so it normalises across the group's ws (dim 1), per channel — not
 * across the channels as the generator's own PixelNorm on [N, D] does.
 *
 * Parameter names follow the official state_dict of LevelsMapper, typo included:
 * `course_mapping.mapping.{1..4}.{weight,bias}`, `medium_mapping.…`, `fine_mapping.…`.
 *
 * Loss pieces (`coach.py::calc_loss`): latent L2 = MSE(ŵ, w) = mean((0.1 · M(w))²), weight 0.8;
 * the embedding-norm loss (`mapper_criteria/clip_loss.py::norm_loss`, weight 0.5) =
 * MSE(‖E_I(x)‖, ‖E_I(x̂)‖) on unnormalised CLIP image embeddings.
 */
import { seededRandom } from '@stylegpu/clip';
import { add, biasAct, concat, formatShape, linear, mean, mul, mulScalar, rsqrt, slice, sqrt, square, sub, sum, addScalar, zeros, type Runtime, type Tensor } from '@stylegpu/kernels';

export type MapperGroupName = 'coarse' | 'medium' | 'fine';

export interface MapperGroup {
  name: MapperGroupName;
  /** The official module name (`course_mapping` sic). */
  module: string;
  /** W+ rows [start, end) this group maps; empty when start === end. */
  start: number;
  end: number;
}

/** The coarse/medium/fine split of `LevelsMapper.forward`, clipped to numWs. */
export function mapperGroups(numWs: number): MapperGroup[] {
  if (!Number.isInteger(numWs) || numWs <= 0) throw new Error(`mapperGroups: numWs must be a positive integer, got ${numWs}`);
  const clip = (i: number) => Math.min(i, numWs);
  return [
    { name: 'coarse', module: 'course_mapping', start: 0, end: clip(4) },
    { name: 'medium', module: 'medium_mapping', start: clip(4), end: clip(8) },
    { name: 'fine', module: 'fine_mapping', start: clip(8), end: numWs },
  ];
}

export interface LatentMapperOptions {
  numWs: number;
  /** Width of w (512 for every released StyleGAN2). */
  wDim?: number;
  noCoarse?: boolean;
  noMedium?: boolean;
  noFine?: boolean;
  /** Seed of the N(0, 1)/lr_mul weight init. */
  seed?: number;
}

export const MAPPER_LR_MUL = 0.01;
export const MAPPER_LAYERS = 4;
/** The edit strength of `coach.py`: ŵ = w + 0.1 · M(w). */
export const MAPPER_STRENGTH = 0.1;

export class LatentMapper {
  readonly numWs: number;
  readonly wDim: number;
  readonly groups: MapperGroup[];
  readonly disabled: ReadonlySet<MapperGroupName>;
  /** Parameters under their official names; kept tensors owned by the mapper. */
  readonly params: Map<string, Tensor>;

  /** Use `createLatentMapper` for a freshly initialised mapper; this takes existing parameters (e.g. loaded). */
  constructor(params: Map<string, Tensor>, opts: LatentMapperOptions) {
    const wDim = opts.wDim ?? 512;
    this.numWs = opts.numWs;
    this.wDim = wDim;
    this.groups = mapperGroups(opts.numWs);
    if (!Number.isInteger(wDim) || wDim <= 0) throw new Error(`LatentMapper: wDim must be a positive integer, got ${wDim}`);
    const disabled = new Set<MapperGroupName>();
    if (opts.noCoarse) disabled.add('coarse');
    if (opts.noMedium) disabled.add('medium');
    if (opts.noFine) disabled.add('fine');
    this.disabled = disabled;
    for (const g of this.groups) {
      if (disabled.has(g.name)) continue;
      for (let l = 1; l <= MAPPER_LAYERS; l++) {
        for (const [field, shape] of [
          ['weight', [wDim, wDim]],
          ['bias', [wDim]],
        ] as const) {
          const name = `${g.module}.mapping.${l}.${field}`;
          const t = params.get(name);
          if (!t) throw new Error(`LatentMapper: missing parameter ${name} ${formatShape(shape)}`);
          if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
            throw new Error(`LatentMapper: parameter ${name} is ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
          }
        }
      }
    }
    this.params = params;
  }

  /** Every parameter, for an optimiser. */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  /** M(w): [N, numWs, D], zero rows for disabled groups. */
  delta(w: Tensor): Tensor {
    w.assertLive('LatentMapper');
    if (w.rank !== 3 || w.shape[1] !== this.numWs || w.shape[2] !== this.wDim || w.shape[0] === 0) {
      throw new Error(`LatentMapper: w must be [N, ${this.numWs}, ${this.wDim}], got ${formatShape(w.shape)}`);
    }
    const N = w.shape[0];
    const parts: Tensor[] = [];
    for (const g of this.groups) {
      if (g.end === g.start) continue;
      if (this.disabled.has(g.name)) {
        parts.push(zeros(w.rt, [N, g.end - g.start, this.wDim]));
        continue;
      }
      let x = slice(w, [null, [g.start, g.end], null]);
      // PixelNorm over dim 1 (the group's ws), as the official mapper applies it to [N, group, D].
      x = mul(x, rsqrt(addScalar(mean(square(x), 1, true), 1e-8)));
      for (let l = 1; l <= MAPPER_LAYERS; l++) {
        const W = this.params.get(`${g.module}.mapping.${l}.weight`)!;
        const b = this.params.get(`${g.module}.mapping.${l}.bias`)!;
        x = biasAct(linear(x, W, b, { lrMul: MAPPER_LR_MUL, equalized: true }), null, { act: 'lrelu' });
      }
      parts.push(x);
    }
    return parts.length === 1 ? parts[0] : concat(parts, 1);
  }

  /** ŵ = w + strength · M(w) (strength 0.1 as coach.py); pass `delta` if already computed. */
  edit(w: Tensor, delta: Tensor = this.delta(w), strength = MAPPER_STRENGTH): Tensor {
    return add(w, mulScalar(delta, strength));
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** A mapper initialised as the official EqualLinear: W ~ N(0, 1)/lr_mul, b = 0, trainable. */
export function createLatentMapper(rt: Runtime, opts: LatentMapperOptions): LatentMapper {
  const wDim = opts.wDim ?? 512;
  if (!Number.isInteger(wDim) || wDim <= 0) throw new Error(`createLatentMapper: wDim must be a positive integer, got ${wDim}`);
  const groups = mapperGroups(opts.numWs);
  // The uint32 conversion as before the shared stream: a negative or fractional seed wraps, not throws.
  const { normal } = seededRandom((opts.seed ?? 0) >>> 0);
  const params = new Map<string, Tensor>();
  for (const g of groups) {
    if ((g.name === 'coarse' && opts.noCoarse) || (g.name === 'medium' && opts.noMedium) || (g.name === 'fine' && opts.noFine)) continue;
    for (let l = 1; l <= MAPPER_LAYERS; l++) {
      const weight = Float32Array.from({ length: wDim * wDim }, () => normal() / MAPPER_LR_MUL);
      params.set(`${g.module}.mapping.${l}.weight`, rt.parameter(weight, [wDim, wDim], `${g.module}.mapping.${l}.weight`));
      params.set(`${g.module}.mapping.${l}.bias`, rt.parameter(new Float32Array(wDim), [wDim], `${g.module}.mapping.${l}.bias`));
    }
  }
  return new LatentMapper(params, { ...opts, wDim });
}

/** Latent L2 of coach.py: MSE(w + s·M(w), w) = mean((s · M(w))²). */
export function latentL2Loss(delta: Tensor, strength = MAPPER_STRENGTH): Tensor {
  delta.assertLive('latentL2Loss');
  if (delta.size === 0) throw new Error(`latentL2Loss: empty delta ${formatShape(delta.shape)}`);
  return mean(square(mulScalar(delta, strength)));
}

/** norm_loss: MSE of the L2 norms of unnormalised image embeddings, before and after the edit, [B, D] each. */
export function embeddingNormLoss(embeddingsBefore: Tensor, embeddingsAfter: Tensor): Tensor {
  const shapes = `before ${formatShape(embeddingsBefore.shape)}, after ${formatShape(embeddingsAfter.shape)}`;
  embeddingsBefore.assertLive('embeddingNormLoss');
  embeddingsAfter.assertLive('embeddingNormLoss');
  if (embeddingsBefore.rank !== 2 || embeddingsBefore.size === 0) throw new Error(`embeddingNormLoss: embeddings must be non-empty [B, D] (${shapes})`);
  if (embeddingsAfter.rank !== 2 || embeddingsAfter.shape.some((d, i) => d !== embeddingsBefore.shape[i])) {
    throw new Error(`embeddingNormLoss: before and after must have the same shape (${shapes})`);
  }
  const norm = (e: Tensor) => sqrt(sum(square(e), 1));
  return mean(square(sub(norm(embeddingsBefore), norm(embeddingsAfter))));
}

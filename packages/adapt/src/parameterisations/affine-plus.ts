/**
 * StyleDomain's few-shot parameterisations for dissimilar domains (AIRI-Institute/StyleDomain
 * `DissimilarDomains/training/networks.py`, methods.md §A.2):
 *
 *   Affine+       every affine A: w → s trains (synthesis convs and ToRGB), plus one additive
 *                 per-(out, in) kernel offset Δ[out, in, 1, 1] (broadcast over the 3×3 taps) on
 *                 every layer at one resolution (64 px in the paper)
 *   AffineLight+  the affines stay frozen and get a rank-r additive offset U[C, r] · V[r, w_dim]
 *                 (r = 5, U zero-initialised, V random with unit-norm rows and not trained in
 *                 our reading of `affine_out_in_5_1_additive`; only U trains), plus the same kernel offsets
 *
 * The low-rank offset is added to the stored affine weight, before equalised-lr scaling, as the
 * weight offset modules there do. `kernelRes` must be a resolution the generator has.
 */
import { add, matmul, randomNormal, l2Normalize, reshape, type Runtime, type Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import type { Parameterisation } from '../trainer/parameterisation.js';
import { LAYER_GROUPS, type LayerGroup, checkGroups, headGroup, headOfLayer } from './layer-groups.js';
import { withParamOverrides } from './param-overrides.js';

export interface AffinePlusOptions {
  /** 0: Affine+ (affines train whole); r > 0: AffineLight+ (rank-r affine offsets). */
  rank?: number;
  /** Resolution of the kernel offsets (64). */
  kernelRes?: number;
  groups?: readonly LayerGroup[];
  /** Seed of V's random init (AffineLight+). */
  seed?: number;
}

export class AffinePlus implements Parameterisation {
  readonly name: string;
  readonly optimizer = 'nada' as const;
  readonly rank: number;
  readonly kernelRes: number;
  private readonly owned = new Map<string, Tensor>();
  private readonly trainable = new Map<string, Tensor>();
  /** layer → [U, V] (AffineLight+). */
  private readonly lowRank = new Map<string, [Tensor, Tensor]>();
  /** layer → Δ kernel [out, in, 1, 1]. */
  private readonly kernels = new Map<string, Tensor>();

  constructor(
    readonly rt: Runtime,
    readonly generator: Generator,
    opts: AffinePlusOptions = {},
  ) {
    this.rank = opts.rank ?? 0;
    this.name = this.rank > 0 ? 'affine_light_plus' : 'affine_plus';
    this.kernelRes = opts.kernelRes ?? 64;
    const groups = checkGroups(opts.groups ?? LAYER_GROUPS, this.name);
    if (!Number.isInteger(this.rank) || this.rank < 0) throw new Error(`${this.name}: rank must be a non-negative integer, got ${this.rank}`);
    const resolutions = [...new Set(generator.layers.map((l) => l.res))];
    if (!resolutions.includes(this.kernelRes)) {
      throw new Error(`${this.name}: the kernel offsets go at ${this.kernelRes} px but this ${generator.config.imgResolution}-px generator has blocks at ${resolutions.join(', ')} px; pass one of those as the kernel resolution`);
    }
    const inGroups = (layer: string) => {
      const head = layer.endsWith('torgb') ? headOfLayer(layer === 'b4.torgb' ? 'b4.conv1' : layer.replace('torgb', 'conv1')) : headOfLayer(layer);
      return groups.includes(headGroup(head));
    };
    const wDim = generator.config.wDim;
    const affineNames = new Set<string>();
    generator.setTrainable(() => false);
    for (const l of generator.layers) {
      if (!inGroups(l.name)) continue;
      if (this.rank === 0) {
        for (const f of ['weight', 'bias']) affineNames.add(`synthesis.${l.name}.affine.${f}`);
      } else {
        const u = this.own(`affine_offset.${l.name}.U`, rt.tensor(new Float32Array(l.inChannels * this.rank), [l.inChannels, this.rank]), true);
        const v = this.own(
          `affine_offset.${l.name}.V`,
          rt.noGrad(() => rt.tidy(() => l2Normalize(randomNormal(rt, [this.rank, wDim], { seed: opts.seed ?? 0, offset: this.lowRank.size * this.rank * wDim })))),
          false,
        );
        this.lowRank.set(l.name, [u, v]);
      }
      if (l.res === this.kernelRes) {
        this.kernels.set(l.name, this.own(`kernel_offset.${l.name}`, rt.tensor(new Float32Array(l.outChannels * l.inChannels), [l.outChannels, l.inChannels, 1, 1]), true));
      }
    }
    generator.setTrainable((n) => affineNames.has(n));
    for (const [n, t] of generator.params) if (affineNames.has(n)) this.trainable.set(n, t);
    for (const [n, t] of this.owned) if (t.requiresGrad) this.trainable.set(n, t);
  }

  private own(name: string, t: Tensor, train: boolean): Tensor {
    const kept = this.rt.keep(t);
    kept.requiresGrad = train;
    this.owned.set(name, kept);
    return kept;
  }

  named(): Map<string, Tensor> {
    return new Map(this.trainable);
  }

  /**
   * Writes base + offset into the generator's own weights and zeroes the offsets (the images stay
   * the same), so the result can be saved as a plain generator.
   */
  bake(): void {
    const { rt, generator: g } = this;
    rt.noGrad(() =>
      rt.tidy(() => {
        for (const [name, t] of this.overrides()) rt.copy(t, g.params.get(name)!);
        for (const [u] of this.lowRank.values()) rt.copy(rt.tensor(new Float32Array(u.size), u.shape), u);
        for (const d of this.kernels.values()) rt.copy(rt.tensor(new Float32Array(d.size), d.shape), d);
      }),
    );
  }

  synthesis(ws: Tensor): Tensor {
    const g = this.generator;
    return withParamOverrides(g, this.overrides(), () => g.synthesis(ws));
  }

  private overrides(): Map<string, Tensor> {
    const g = this.generator;
    const over = new Map<string, Tensor>();
    for (const [layer, [u, v]] of this.lowRank) {
      const name = `synthesis.${layer}.affine.weight`;
      over.set(name, add(g.params.get(name)!, matmul(u, v)));
    }
    for (const [layer, d] of this.kernels) {
      const name = `synthesis.${layer}.weight`;
      const w = g.params.get(name)!;
      over.set(name, add(w, w.rank === d.rank ? d : reshape(d, [d.shape[0], d.shape[1], 1, 1])));
    }
    return over;
  }

  offsets(): Tensor[] {
    return [...this.owned.entries()].filter(([, t]) => t.requiresGrad).map(([, t]) => t);
  }

  parameterCount(): number {
    return [...this.trainable.values()].reduce((n, t) => n + t.size, 0);
  }

  dispose(): void {
    for (const t of this.owned.values()) t.dispose();
    this.owned.clear();
    this.trainable.clear();
  }
}

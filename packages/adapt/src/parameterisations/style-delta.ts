/**
 * StyleDomain's StyleSpace direction (`patch_key: s_delta`, AIRI-Institute/StyleDomain
 * `SimilarDomains/core/parametrizations.py`): one offset per style channel of every modulated conv,
 * zero-initialised, ToRGB styles excluded, applied after the affine:
 *
 *   s'_l = A_l(w_l) + α·Δ_l                 (α = offset_power, default 1)
 *
 * Heads are named as the official checkpoints: `heads.conv_{i}.params_in` [1, C_in], conv_0 =
 * b4.conv1, conv_{i} = the i-th conv after it (rosinality convs[i−1]); 6048 numbers at 1024 px.
 * Heads outside the chosen layer groups stay zero and do not train (`no_coarse` etc.).
 */
import { add, mulScalar, type Runtime, type Tensor } from '@stylegpu/kernels';
import type { Generator, StyleSpace } from '@stylegpu/stylegan';
import type { Parameterisation } from '../trainer/parameterisation.js';
import { LAYER_GROUPS, type LayerGroup, checkGroups, headGroup } from './layer-groups.js';

/** The conv layers (StyleSpace keys) in head order: conv_0 … conv_{N−1}. */
export function styleDeltaHeads(g: Generator): Array<{ head: number; layer: string; channels: number }> {
  return g.layers.filter((l) => l.kind !== 'torgb').map((l, head) => ({ head, layer: l.name, channels: l.inChannels }));
}

export function headKey(head: number): string {
  return `heads.conv_${head}.params_in`;
}

/** styles + α·Δ for every layer Δ names (offsets [1, C] broadcast over the batch). */
export function offsetStyles(styles: StyleSpace, offsets: ReadonlyMap<string, Tensor>, power = 1): StyleSpace {
  const out: StyleSpace = new Map(styles);
  for (const [layer, d] of offsets) {
    const s = styles.get(layer);
    if (!s) throw new Error(`offsetStyles: StyleSpace has no layer '${layer}'`);
    if (d.rank !== 2 || d.shape[0] !== 1 || d.shape[1] !== s.shape[1]) throw new Error(`offsetStyles: the offset of ${layer} must be [1, ${s.shape[1]}], got [${d.shape.join(', ')}]`);
    out.set(layer, add(s, power === 1 ? d : mulScalar(d, power)));
  }
  return out;
}

export interface StyleDeltaOptions {
  /** Layer groups whose heads train (default all). */
  groups?: readonly LayerGroup[];
  /** α, the offset power in the forward pass (1 in training). */
  power?: number;
}

export class StyleDelta implements Parameterisation {
  readonly name = 's_delta';
  readonly optimizer = 'adam' as const;
  readonly groups: readonly LayerGroup[];
  power: number;
  /** layer name → Δ [1, C_in], every head (frozen ones too, at zero). */
  readonly deltas = new Map<string, Tensor>();
  private readonly trainable = new Map<string, Tensor>();

  constructor(
    readonly rt: Runtime,
    readonly generator: Generator,
    opts: StyleDeltaOptions = {},
  ) {
    this.groups = checkGroups(opts.groups ?? LAYER_GROUPS, 's_delta');
    this.power = opts.power ?? 1;
    generator.setTrainable(() => false);
    for (const { head, layer, channels } of styleDeltaHeads(generator)) {
      const d = rt.keep(rt.tensor(new Float32Array(channels), [1, channels]));
      d.requiresGrad = this.groups.includes(headGroup(head));
      this.deltas.set(layer, d);
      if (d.requiresGrad) this.trainable.set(headKey(head), d);
    }
  }

  named(): Map<string, Tensor> {
    return new Map(this.trainable);
  }

  synthesis(ws: Tensor): Tensor {
    const g = this.generator;
    return g.synthesisFromStyles(offsetStyles(g.styles(ws), this.deltas, this.power));
  }

  offsets(): Tensor[] {
    return [...this.trainable.values()];
  }

  parameterCount(): number {
    return [...this.trainable.values()].reduce((n, t) => n + t.size, 0);
  }

  /** The direction on the host, keyed by layer (every head). */
  async read(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of this.deltas) out.set(k, Float32Array.from(await t.read()));
    return out;
  }

  /** Writes a direction (layer → [C_in] values; layers not named keep theirs). */
  load(direction: ReadonlyMap<string, Float32Array>): void {
    for (const [layer, v] of direction) {
      const d = this.deltas.get(layer);
      if (!d) throw new Error(`s_delta: this generator has no conv layer '${layer}' (its heads: ${[...this.deltas.keys()].join(', ')})`);
      if (v.length !== d.size) throw new Error(`s_delta: the offset of ${layer} has ${v.length} values; this generator's has ${d.size}`);
      this.rt.tidy(() => this.rt.copy(this.rt.tensor(Float32Array.from(v), d.shape), d));
    }
  }

  dispose(): void {
    for (const t of this.deltas.values()) t.dispose();
    this.deltas.clear();
    this.trainable.clear();
  }
}

/**
 * Fine-tuning generator weights chosen by name (NADA's phases, StyleDomain's `patch_key: original`
 * phases: all, synthesis, mapping, affine, affine_all, …). The trainable tensors are the generator's
 * own; `synthesis` is the generator's.
 */
import type { Tensor } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { type ParamFilter, parseParamName } from '../phases.js';
import type { Parameterisation } from '../trainer/parameterisation.js';

export interface GeneratorWeightsOptions {
  /** Which parameters train. */
  filter: ParamFilter;
  /**
   * Hand every trainable-kind parameter to the optimiser even if `filter` freezes it now (NADA's
   * adaptive layer selection unfreezes different layers each step; Adam skips frozen ones).
   */
  optimiseAll?: boolean;
  name?: string;
}

export class GeneratorWeights implements Parameterisation {
  readonly name: string;
  readonly optimizer = 'nada' as const;
  readonly filter: ParamFilter;
  private readonly all: boolean;

  constructor(
    readonly generator: Generator,
    opts: GeneratorWeightsOptions,
  ) {
    this.name = opts.name ?? 'original';
    this.filter = opts.filter;
    this.all = opts.optimiseAll ?? false;
    generator.setTrainable(this.filter);
  }

  named(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, t] of this.generator.params) if (parseParamName(n).trainable && (this.all || this.filter(n))) out.set(n, t);
    return out;
  }

  synthesis(ws: Tensor): Tensor {
    return this.generator.synthesis(ws);
  }

  offsets(): Tensor[] {
    return [];
  }

  parameterCount(): number {
    let n = 0;
    for (const [name, t] of this.generator.params) if (parseParamName(name).trainable && this.filter(name)) n += t.size;
    return n;
  }

  dispose(): void {}
}

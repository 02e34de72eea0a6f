/**
 * Parameterisation names → instances, for any adaptation run (`NadaTrainer`'s `parameterisation`).
 *
 *   original           generator weights of a NADA phase (default: the paper's layers) or a
 *                      StyleDomain phase (all, synthesis, mapping, affine, affine_all, …)
 *   synthesis          every synthesis weight (StyleDomain `original` with its synthesis layers)
 *   affine             every affine w → s, ToRGB ones included (DissimilarDomains "Affine")
 *   s_delta            StyleSpace direction (ToRGB styles excluded)
 *   affine_plus        Affine + kernel offsets at one resolution
 *   affine_light_plus  rank-5 affine offsets + kernel offsets
 *
 * Every one takes `groups` (coarse / medium / fine) to restrict the layers that train.
 */
import type { Runtime } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { NADA_PHASES, type NadaPhase, STYLEDOMAIN_PHASES, type StyleDomainPhase, nadaTrainingFilter, styleDomainTrainingFilter } from '../phases.js';
import type { Parameterisation } from '../trainer/parameterisation.js';
import { GeneratorWeights } from './generator-weights.js';
import { LAYER_GROUPS, type LayerGroup, checkGroups, paramInGroups } from './layer-groups.js';
import { StyleDelta } from './style-delta.js';
import { AffinePlus } from './affine-plus.js';

export const PARAMETERISATIONS = ['original', 'synthesis', 'affine', 's_delta', 'affine_plus', 'affine_light_plus'] as const;
export type ParameterisationName = (typeof PARAMETERISATIONS)[number];

export interface ParameterisationSpec {
  name: string;
  /** `original` only: a NADA or StyleDomain phase (default 'default'). */
  phase?: string;
  groups?: readonly string[];
  /** s_delta: α in the forward pass. */
  power?: number;
  /** affine_plus / affine_light_plus: kernel offset resolution (64). */
  kernelRes?: number;
  /** affine_light_plus: rank (5). */
  rank?: number;
  seed?: number;
}

/** Builds a parameterisation over `generator` (the trainable one for weight fine-tuning). */
export function buildParameterisation(rt: Runtime, generator: Generator, spec: ParameterisationSpec): Parameterisation {
  const groups: readonly LayerGroup[] = checkGroups(spec.groups ?? LAYER_GROUPS, `parameterisation '${spec.name}'`);
  const allGroups = groups.length === LAYER_GROUPS.length;
  const grouped = (f: (n: string) => boolean) => (allGroups ? f : (n: string) => f(n) && paramInGroups(n, groups));
  switch (spec.name as ParameterisationName) {
    case 'original': {
      const phase = spec.phase ?? 'default';
      let filter: (n: string) => boolean;
      if ((NADA_PHASES as readonly string[]).includes(phase)) filter = nadaTrainingFilter(phase as NadaPhase);
      else if ((STYLEDOMAIN_PHASES as readonly string[]).includes(phase)) filter = styleDomainTrainingFilter(phase as StyleDomainPhase);
      else throw new Error(`parameterisation 'original': unknown phase '${phase}'; expected one of ${[...new Set([...NADA_PHASES, ...STYLEDOMAIN_PHASES])].join(', ')}`);
      return new GeneratorWeights(generator, { filter: grouped(filter), name: 'original' });
    }
    case 'synthesis':
      return new GeneratorWeights(generator, { filter: grouped(styleDomainTrainingFilter('synthesis')), name: 'synthesis' });
    case 'affine':
      return new GeneratorWeights(generator, { filter: grouped(styleDomainTrainingFilter('affine_all')), name: 'affine' });
    case 's_delta':
      return new StyleDelta(rt, generator, { groups, power: spec.power });
    case 'affine_plus':
      return new AffinePlus(rt, generator, { groups, kernelRes: spec.kernelRes, seed: spec.seed });
    case 'affine_light_plus':
      return new AffinePlus(rt, generator, { groups, kernelRes: spec.kernelRes, rank: spec.rank ?? 5, seed: spec.seed });
    default:
      throw new Error(`unknown parameterisation '${spec.name}'; known: ${PARAMETERISATIONS.join(', ')}`);
  }
}

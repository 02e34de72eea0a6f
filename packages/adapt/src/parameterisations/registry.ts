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
 * Every one takes `groups` (coarse / medium / fine) to restrict the layers that train. The trainer
 * takes any `Parameterisation` value; this registry only names them (for the command line).
 */
import type { Runtime } from '@stylegpu/kernels';
import type { Generator } from '@stylegpu/stylegan';
import { NADA_PHASES, type NadaPhase, STYLEDOMAIN_PHASES, type StyleDomainPhase, nadaTrainingFilter, styleDomainTrainingFilter } from '../phases.js';
import type { Parameterisation } from '../trainer/parameterisation.js';
import { GeneratorWeights } from './generator-weights.js';
import { LAYER_GROUPS, type LayerGroup, checkGroups, paramInGroups } from './layer-groups.js';
import { StyleDelta } from './style-delta.js';
import { AffinePlus } from './affine-plus.js';

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

/** Builds one parameterisation; `grouped` restricts a weight filter to the spec's layer groups. */
type Builder = (rt: Runtime, generator: Generator, spec: ParameterisationSpec, groups: readonly LayerGroup[], grouped: (f: (n: string) => boolean) => (n: string) => boolean) => Parameterisation;

/** One entry per parameterisation: a new one is its file and a line here. */
const BUILDERS = {
  original: (_rt, generator, spec, _groups, grouped) => {
    const phase = spec.phase ?? 'default';
    let filter: (n: string) => boolean;
    if ((NADA_PHASES as readonly string[]).includes(phase)) filter = nadaTrainingFilter(phase as NadaPhase);
    else if ((STYLEDOMAIN_PHASES as readonly string[]).includes(phase)) filter = styleDomainTrainingFilter(phase as StyleDomainPhase);
    else throw new Error(`parameterisation 'original': unknown phase '${phase}'; expected one of ${[...new Set([...NADA_PHASES, ...STYLEDOMAIN_PHASES])].join(', ')}`);
    return new GeneratorWeights(generator, { filter: grouped(filter), name: 'original' });
  },
  synthesis: (_rt, generator, _spec, _groups, grouped) => new GeneratorWeights(generator, { filter: grouped(styleDomainTrainingFilter('synthesis')), name: 'synthesis' }),
  affine: (_rt, generator, _spec, _groups, grouped) => new GeneratorWeights(generator, { filter: grouped(styleDomainTrainingFilter('affine_all')), name: 'affine' }),
  s_delta: (rt, generator, spec, groups) => new StyleDelta(rt, generator, { groups, power: spec.power }),
  affine_plus: (rt, generator, spec, groups) => new AffinePlus(rt, generator, { groups, kernelRes: spec.kernelRes, seed: spec.seed }),
  affine_light_plus: (rt, generator, spec, groups) => new AffinePlus(rt, generator, { groups, kernelRes: spec.kernelRes, rank: spec.rank ?? 5, seed: spec.seed }),
} satisfies Record<string, Builder>;

export type ParameterisationName = keyof typeof BUILDERS;
export const PARAMETERISATIONS = Object.keys(BUILDERS) as readonly ParameterisationName[];

/** Builds a parameterisation over `generator` (the trainable one for weight fine-tuning). */
export function buildParameterisation(rt: Runtime, generator: Generator, spec: ParameterisationSpec): Parameterisation {
  if (!Object.hasOwn(BUILDERS, spec.name)) throw new Error(`unknown parameterisation '${spec.name}'; known: ${PARAMETERISATIONS.join(', ')}`);
  const groups: readonly LayerGroup[] = checkGroups(spec.groups ?? LAYER_GROUPS, `parameterisation '${spec.name}'`);
  const allGroups = groups.length === LAYER_GROUPS.length;
  const grouped = (f: (n: string) => boolean) => (allGroups ? f : (n: string) => f(n) && paramInGroups(n, groups));
  return (BUILDERS[spec.name as ParameterisationName] as Builder)(rt, generator, spec, groups, grouped);
}

/**
 * Which generator parameters a domain-adaptation run trains, as `(name) => boolean` filters over
 * NVIDIA parameter names (`Generator.setTrainable(filter)`).
 *
 * StyleGAN-NADA (rinongal/StyleGAN-nada `ZSSGAN/model/ZSSGAN.py::SG2Generator.get_training_layers`)
 * selects children of rosinality's Generator, whose order is
 * `[style, input, conv1, to_rgb1, convs, upsamples, to_rgbs, noises]`, and sets `requires_grad` on
 * their *parameters* (buffers never train). Under NVIDIA names:
 *
 *   style (mapping)   → mapping.fc{i}.* (and mapping.embed.* of conditional models); not mapping.w_avg (a buffer)
 *   input             → synthesis.b4.const
 *   conv1             → synthesis.b4.conv1.{weight, bias, affine.*, noise_strength}
 *   convs[i]          → synthesis.b{res}.conv{k}.{…} with i = 2·(log2 res − 3) + k  (methods.md §D.1)
 *   to_rgb1, to_rgbs[j] → synthesis.b4.torgb.*, synthesis.b{2^(j+3)}.torgb.*
 *
 * A rosinality StyledConv holds its ModulatedConv2d, whose `modulation` (the affine w → s) is a
 * child of that conv, so unfreezing `convs[i]` trains its affine too; NADA's SG2 `unfreeze_layers`
 * does not re-freeze affines (only its SG3 variant does). Noise strengths train with their conv
 * (`noise.weight` is a parameter); the noise maps (`noise_const`, rosinality's `noises.*`) are
 * buffers and never train, nor do `resample_filter` buffers.
 *
 * Phases, exactly as the code lists them (methods.md's table drops `[input, conv1]` from
 * `no_fine` and `shape_expanded`, but the code includes them):
 *   default          input, conv1, convs[:]         (the paper's layers: no mapping, no ToRGB)
 *   texture          input, conv1, convs[2:10]
 *   shape            input, conv1, convs[0:2]
 *   no_fine          input, conv1, convs[:10]
 *   shape_expanded   input, conv1, convs[0:3]
 *   all              every parameter, mapping and ToRGB included
 * Slices past the last conv select nothing, as Python's do (a 16-px model has convs[0..3]).
 */

/** Decides, from its NVIDIA name, whether a generator parameter trains. */
export type ParamFilter = (name: string) => boolean;

export const NADA_PHASES = ['default', 'texture', 'shape', 'no_fine', 'shape_expanded', 'all'] as const;
export type NadaPhase = (typeof NADA_PHASES)[number];

/** A generator parameter name taken apart. Buffers and unknown names have `trainable: false`. */
export interface ParsedParamName {
  part: 'mapping' | 'const' | 'layer' | 'other';
  trainable: boolean;
  /** Layers only: block resolution, kind and the field after the layer prefix (`affine.weight`, …). */
  res?: number;
  kind?: 'conv0' | 'conv1' | 'torgb';
  field?: string;
  /** Convs only: the index in rosinality's `convs` list (b4.conv1 is rosinality's `conv1`: -1). */
  convIndex?: number;
}

const LAYER_PARAMS = new Set(['weight', 'bias', 'affine.weight', 'affine.bias', 'noise_strength']);
const LAYER_RE = /^synthesis\.b(\d+)\.(conv0|conv1|torgb)\.(.+)$/;
const MAPPING_RE = /^mapping\.(fc\d+|embed)\.(weight|bias)$/;

export function parseParamName(name: string): ParsedParamName {
  if (MAPPING_RE.test(name)) return { part: 'mapping', trainable: true };
  if (name === 'synthesis.b4.const') return { part: 'const', trainable: true };
  const m = LAYER_RE.exec(name);
  if (!m) return { part: 'other', trainable: false };
  const res = Number(m[1]);
  const kind = m[2] as 'conv0' | 'conv1' | 'torgb';
  const field = m[3];
  const log2 = Math.log2(res);
  const validBlock = Number.isInteger(log2) && res >= 4 && !(res === 4 && kind === 'conv0');
  if (!validBlock) return { part: 'other', trainable: false };
  const parsed: ParsedParamName = { part: 'layer', trainable: LAYER_PARAMS.has(field) && !(kind === 'torgb' && field === 'noise_strength'), res, kind, field };
  if (kind !== 'torgb') parsed.convIndex = res === 4 ? -1 : 2 * (log2 - 3) + (kind === 'conv0' ? 0 : 1);
  return parsed;
}

/** NADA's `get_training_layers(phase)` as a filter over NVIDIA names (see the table above). */
export function nadaTrainingFilter(phase: NadaPhase | null = 'default'): ParamFilter {
  const p = phase ?? 'default';
  if (!(NADA_PHASES as readonly string[]).includes(p)) {
    throw new Error(`nadaTrainingFilter: unknown phase '${String(p)}'; expected one of ${NADA_PHASES.join(', ')}`);
  }
  if (p === 'all') return (name) => parseParamName(name).trainable;
  const [from, to] = ({ default: [0, Infinity], texture: [2, 10], shape: [0, 2], no_fine: [0, 10], shape_expanded: [0, 3] } as const)[p];
  return (name) => {
    const n = parseParamName(name);
    if (!n.trainable) return false;
    if (n.part === 'const') return true;
    if (n.part !== 'layer' || n.kind === 'torgb') return false;
    return n.convIndex === -1 || (n.convIndex! >= from && n.convIndex! < to);
  };
}

/**
 * StyleDomain's name-based parameterisations of full fine-tuning (`patch_key: original`;
 * AIRI-Institute/StyleDomain `SimilarDomains/core/uda_models.py::get_training_layers`), plus
 * `synthesis`:
 *   all            every parameter
 *   synthesis      every synthesis parameter (no mapping)
 *   mapping        the mapping network only
 *   affine         the affines (modulations) of conv1 and every conv; no ToRGB
 *   affine_all     the affines of every conv and every ToRGB
 *   affine_to_rgb  the conv affines plus every ToRGB layer whole (weight, bias and affine)
 *   conv_kernel    the conv weights only (conv1 and every conv; no bias, affine or ToRGB)
 * NADA's texture/shape/… phases are the same lists there; use `nadaTrainingFilter` for them.
 * The direction-based parameterisations (s_delta, …) are separate tensors, not filters.
 */
export const STYLEDOMAIN_PHASES = ['all', 'synthesis', 'mapping', 'affine', 'affine_all', 'affine_to_rgb', 'conv_kernel'] as const;
export type StyleDomainPhase = (typeof STYLEDOMAIN_PHASES)[number];

export function styleDomainTrainingFilter(phase: StyleDomainPhase): ParamFilter {
  if (!(STYLEDOMAIN_PHASES as readonly string[]).includes(phase)) {
    throw new Error(`styleDomainTrainingFilter: unknown phase '${String(phase)}'; expected one of ${STYLEDOMAIN_PHASES.join(', ')}`);
  }
  const isAffine = (f: string | undefined) => f === 'affine.weight' || f === 'affine.bias';
  const pick: Record<StyleDomainPhase, (n: ParsedParamName) => boolean> = {
    all: () => true,
    synthesis: (n) => n.part === 'const' || n.part === 'layer',
    mapping: (n) => n.part === 'mapping',
    affine: (n) => n.part === 'layer' && n.kind !== 'torgb' && isAffine(n.field),
    affine_all: (n) => n.part === 'layer' && isAffine(n.field),
    affine_to_rgb: (n) => n.part === 'layer' && (n.kind === 'torgb' || isAffine(n.field)),
    conv_kernel: (n) => n.part === 'layer' && n.kind !== 'torgb' && n.field === 'weight',
  };
  const test = pick[phase];
  return (name) => {
    const n = parseParamName(name);
    return n.trainable && test(n);
  };
}

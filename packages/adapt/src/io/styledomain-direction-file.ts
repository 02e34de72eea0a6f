/**
 * StyleDomain direction files (`models_{step}.pt`, AIRI-Institute/StyleDomain `SimilarDomains`
 * `get_trainable_model_state` / `save_models`, methods.md §A.2 and §D.6):
 *
 *   { model_type: 'parametrization', patch_key: 's_delta',
 *     state_dict: { 'heads.conv_{i}.params_in': [1, c_in] for i = 0 … N−1 },
 *     sg2_params: {…}, da_type: 'td' | 'im2im', style_latents?: w[:, 7:, :] (im2im) }
 *
 * Heads are the modulated convs in forward order (conv_0 = b4.conv1), ToRGB excluded. Reading runs
 * on the CPU; the torch reader executes nothing. Only s_delta directions are StyleSpace offsets;
 * other patch keys and full fine-tunes (`model_type: 'original'`) are refused with what to do.
 */
import { PyOrderedDict, hostTensor, readTorchCheckpoint, toFloat32, type HostTensor, type TorchSaveValue, writeTorchCheckpoint } from '@stylegpu/io';
import { type GeneratorLayout, type StyleDirection, checkDirection, directionLayout } from '../directions/style-direction.js';

export interface StyleDomainDirectionFile {
  patchKey: 's_delta';
  daType: string | null;
  /** Head i's offsets (C_in values). */
  heads: Float32Array[];
  sg2Params: Map<string, unknown> | null;
  styleLatents: HostTensor | null;
}

const HEAD_RE = /^heads\.conv_(\d+)\.params_in$/;

export function readStyleDomainDirection(bytes: Uint8Array, name = 'direction file'): StyleDomainDirectionFile {
  const root = readTorchCheckpoint(bytes, { name }).root;
  const fail = (what: string): never => {
    throw new Error(`${name}: not a StyleDomain direction file: ${what}`);
  };
  if (!(root instanceof Map)) fail('the checkpoint is not a dict');
  const r = root as Map<unknown, unknown>;
  const modelType = r.get('model_type');
  if (modelType === 'original') fail("model_type is 'original' (a fine-tuned generator): load it as a generator instead");
  if (modelType !== 'parametrization') fail(`model_type is ${JSON.stringify(modelType ?? null)}, expected 'parametrization'`);
  const patchKey = r.get('patch_key');
  if (patchKey !== 's_delta') fail(`patch_key is ${JSON.stringify(patchKey ?? null)}; only 's_delta' (StyleSpace offsets) directions can be applied`);
  const sd = r.get('state_dict');
  if (!(sd instanceof Map)) fail("it has no 'state_dict' dict");
  const heads: Float32Array[] = [];
  for (const [k, v] of sd as Map<unknown, unknown>) {
    const m = typeof k === 'string' ? HEAD_RE.exec(k) : null;
    if (!m) fail(`unexpected state_dict key ${JSON.stringify(k)} (expected heads.conv_{i}.params_in)`);
    const t = v as HostTensor;
    if (!t || !Array.isArray(t.shape) || t.shape.length !== 2 || t.shape[0] !== 1) fail(`${String(k)} must be a [1, C] tensor, got ${t?.shape ? `[${t.shape.join(', ')}]` : typeof v}`);
    heads[Number(m![1])] = toFloat32(t);
  }
  if (!heads.length) fail('its state_dict has no heads');
  for (let i = 0; i < heads.length; i++) if (!heads[i]) fail(`head heads.conv_${i}.params_in is missing (heads run 0 … ${heads.length - 1})`);
  const daType = r.get('da_type');
  const latents = r.get('style_latents');
  const sg2 = r.get('sg2_params');
  return {
    patchKey: 's_delta',
    daType: typeof daType === 'string' ? daType : null,
    heads,
    sg2Params: sg2 instanceof Map ? (sg2 as Map<string, unknown>) : null,
    styleLatents: latents && typeof latents === 'object' && 'shape' in (latents as object) ? (latents as HostTensor) : null,
  };
}

/** The file's heads as a direction for `g` (head i → i-th conv layer); the widths must match. */
export function directionFromFile(file: StyleDomainDirectionFile, g: GeneratorLayout, name = 'direction file'): StyleDirection {
  const layout = directionLayout(g);
  const size = file.sg2Params?.get('img_size');
  if (typeof size === 'number' && size !== g.config.imgResolution) {
    throw new Error(`${name}: the direction was trained on a ${size}-px generator; this one is ${g.config.imgResolution} px`);
  }
  if (file.heads.length !== layout.length) {
    throw new Error(`${name}: ${file.heads.length} heads, but this ${g.config.imgResolution}-px generator has ${layout.length} modulated convs`);
  }
  const d: StyleDirection = new Map(layout.map(([layer], i) => [layer, file.heads[i]]));
  checkDirection(d, g, name);
  return d;
}

/** A direction in the official layout, readable by StyleDomain's loaders (`torch.load`). */
export function writeStyleDomainDirection(direction: StyleDirection, g: GeneratorLayout, opts: { daType?: string; styleLatents?: HostTensor | null } = {}): Uint8Array {
  checkDirection(direction, g, 'writeStyleDomainDirection');
  const sg2 = new Map<string, TorchSaveValue>([
    ['img_size', g.config.imgResolution],
    ['latent_size', g.config.wDim],
    ['map_layers', g.config.mapping.numLayers],
  ]);
  return writeStyleDomainHeads(
    directionLayout(g).map(([layer]) => direction.get(layer)!),
    { ...opts, sg2Params: sg2 },
  );
}

/** Heads (conv_0 … conv_{N−1}) written in the official layout, e.g. after mixing or pruning files without a generator. */
export function writeStyleDomainHeads(
  heads: readonly Float32Array[],
  opts: { daType?: string; styleLatents?: HostTensor | null; sg2Params?: Map<string, unknown> | null } = {},
): Uint8Array {
  if (!heads.length) throw new Error('writeStyleDomainHeads: no heads to write');
  const state = new PyOrderedDict();
  heads.forEach((h, i) => state.set(`heads.conv_${i}.params_in`, hostTensor('f32', [1, h.length], Float32Array.from(h))));
  const sg2 = new Map<string, TorchSaveValue>();
  for (const [k, v] of opts.sg2Params ?? []) if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') sg2.set(k, v);
  const root = new Map<string, TorchSaveValue>([
    ['model_type', 'parametrization'],
    ['patch_key', 's_delta'],
    ['state_dict', state],
    ['sg2_params', sg2],
    ['da_type', opts.daType ?? 'td'],
  ]);
  if (opts.styleLatents) root.set('style_latents', opts.styleLatents);
  return writeTorchCheckpoint(root);
}

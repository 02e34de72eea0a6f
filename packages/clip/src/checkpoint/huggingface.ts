/**
 * Hugging Face `CLIPModel` layout (transformers `models/clip/modeling_clip.py`; research notes methods.md D.5)
 * mapped onto OpenAI's names:
 *   - `*.self_attn.{q,k,v}_proj.{weight,bias}` are concatenated (q, k, v order) into `attn.in_proj_{weight,bias}`,
 *     which is how nn.MultiheadAttention packs them;
 *   - `visual_projection.weight` / `text_projection.weight` are bias-free nn.Linear weights [embed, width],
 *     OpenAI multiplies `x @ proj` with proj [width, embed]: transposed;
 *   - `vision_model.pre_layrnorm` (sic) is `visual.ln_pre`; `*.embeddings.position_ids` (an index buffer saved by
 *     transformers < 4.31) carries no weights and is skipped.
 * config.json supplies what shapes cannot: head counts, activation, LayerNorm epsilon.
 */

import { allocHostData, toFloat32, type HostTensor } from '@stylegpu/io';
import {
  clipWeightShapes,
  type ClipActivation,
  type ClipConfig,
  type ClipHeadOptions,
  type Shaped,
} from './config.js';

const HF_BLOCK_PARTS: ReadonlyArray<readonly [string, string]> = [
  ['self_attn.out_proj.weight', 'attn.out_proj.weight'],
  ['self_attn.out_proj.bias', 'attn.out_proj.bias'],
  ['layer_norm1.weight', 'ln_1.weight'],
  ['layer_norm1.bias', 'ln_1.bias'],
  ['mlp.fc1.weight', 'mlp.c_fc.weight'],
  ['mlp.fc1.bias', 'mlp.c_fc.bias'],
  ['mlp.fc2.weight', 'mlp.c_proj.weight'],
  ['mlp.fc2.bias', 'mlp.c_proj.bias'],
  ['layer_norm2.weight', 'ln_2.weight'],
  ['layer_norm2.bias', 'ln_2.bias'],
];

const HF_TOP_LEVEL: ReadonlyArray<readonly [string, string]> = [
  ['vision_model.embeddings.class_embedding', 'visual.class_embedding'],
  ['vision_model.embeddings.patch_embedding.weight', 'visual.conv1.weight'],
  ['vision_model.embeddings.position_embedding.weight', 'visual.positional_embedding'],
  ['vision_model.pre_layrnorm.weight', 'visual.ln_pre.weight'],
  ['vision_model.pre_layrnorm.bias', 'visual.ln_pre.bias'],
  ['vision_model.post_layernorm.weight', 'visual.ln_post.weight'],
  ['vision_model.post_layernorm.bias', 'visual.ln_post.bias'],
  ['text_model.embeddings.token_embedding.weight', 'token_embedding.weight'],
  ['text_model.embeddings.position_embedding.weight', 'positional_embedding'],
  ['text_model.final_layer_norm.weight', 'ln_final.weight'],
  ['text_model.final_layer_norm.bias', 'ln_final.bias'],
  ['logit_scale', 'logit_scale'],
];

const TRANSPOSED: ReadonlyArray<readonly [string, string]> = [
  ['visual_projection.weight', 'visual.proj'],
  ['text_projection.weight', 'text_projection'],
];

const QKV = ['q', 'k', 'v'] as const;

/** Index buffers transformers used to save; not weights. */
export const HF_IGNORED = /^(vision_model|text_model)\.embeddings\.position_ids$/;

/** How one Hugging Face tensor lands in the OpenAI layout. */
interface Placement {
  target: string;
  /** Row block (0 q, 1 k, 2 v) of a packed in_proj tensor. */
  part?: number;
  transpose?: boolean;
}

const TOP_LEVEL = new Map<string, Placement>([
  ...HF_TOP_LEVEL.map(([hf, oa]) => [hf, { target: oa }] as const),
  ...TRANSPOSED.map(([hf, oa]) => [hf, { target: oa, transpose: true }] as const),
]);
const BLOCK_PARTS = new Map<string, Placement>([
  ...HF_BLOCK_PARTS.map(([hf, oa]) => [hf, { target: oa }] as const),
  ...QKV.flatMap((p, part) => [
    [`self_attn.${p}_proj.weight`, { target: 'attn.in_proj_weight', part }] as const,
    [`self_attn.${p}_proj.bias`, { target: 'attn.in_proj_bias', part }] as const,
  ]),
]);

function placement(name: string): Placement | undefined {
  const top = TOP_LEVEL.get(name);
  if (top) return top;
  const m = /^(vision|text)_model\.encoder\.layers\.(\d+)\.(.+)$/.exec(name);
  const part = m && BLOCK_PARTS.get(m[3]);
  if (!m || !part) return undefined;
  const prefix = m[1] === 'vision' ? 'visual.transformer.resblocks.' : 'transformer.resblocks.';
  return { ...part, target: `${prefix}${m[2]}.${part.target}` };
}

/** True if these keys look like a Hugging Face CLIPModel (after any common prefix was removed). */
export function looksLikeHuggingFace(names: Iterable<string>): boolean {
  for (const n of names) if (n.startsWith('vision_model.') || n.startsWith('text_model.')) return true;
  return false;
}

/**
 * The shapes the OpenAI-named tensors will have, computed from Hugging Face shapes alone (enough for config
 * inference). Keys with no OpenAI counterpart are returned in `unmapped`.
 */
export function huggingFaceShapesAsOpenAI(weights: ReadonlyMap<string, Shaped>): {
  shapes: Map<string, Shaped>;
  unmapped: string[];
} {
  const shapes = new Map<string, Shaped>();
  const unmapped: string[] = [];
  for (const [name, t] of weights) {
    if (HF_IGNORED.test(name)) continue;
    const p = placement(name);
    if (!p) {
      unmapped.push(name);
    } else if (p.part !== undefined) {
      if (p.part === 0) shapes.set(p.target, { shape: [3 * (t.shape[0] ?? 0), ...t.shape.slice(1)] });
    } else {
      shapes.set(p.target, { shape: p.transpose ? [...t.shape].reverse() : [...t.shape] });
    }
  }
  return { shapes, unmapped };
}

/** Every Hugging Face key a configuration implies, with its shape (the inverse of the mapping above). */
export function huggingFaceWeightShapes(config: ClipConfig): Map<string, number[]> {
  const inverse = new Map<string, Array<{ name: string; part?: number; transpose?: boolean }>>();
  const note = (oa: string, name: string, p: Placement) => {
    const list = inverse.get(oa) ?? [];
    list.push({ name, part: p.part, transpose: p.transpose });
    inverse.set(oa, list);
  };
  for (const [hf, p] of TOP_LEVEL) note(p.target, hf, p);
  const out = new Map<string, number[]>();
  for (const [oa, shape] of clipWeightShapes(config)) {
    const block = /^(visual\.)?transformer\.resblocks\.(\d+)\.(.+)$/.exec(oa);
    if (block) {
      const tower = block[1] ? 'vision_model' : 'text_model';
      for (const [suffix, p] of BLOCK_PARTS) {
        if (p.target !== block[3]) continue;
        const name = `${tower}.encoder.layers.${block[2]}.${suffix}`;
        out.set(name, p.part !== undefined ? [shape[0] / 3, ...shape.slice(1)] : shape);
      }
      continue;
    }
    for (const { name, transpose } of inverse.get(oa) ?? []) out.set(name, transpose ? [...shape].reverse() : shape);
  }
  return out;
}

/** Hugging Face tensors → OpenAI-named f32 tensors (call after the shapes were checked). */
export function convertHuggingFaceWeights(weights: ReadonlyMap<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const packed = new Map<string, Float32Array[]>();
  const packedShape = new Map<string, number[]>();
  for (const [name, t] of weights) {
    if (HF_IGNORED.test(name)) continue;
    const p = placement(name);
    if (!p) throw new Error(`clip checkpoint: no OpenAI name for Hugging Face key '${name}'`);
    const values = toFloat32(t);
    if (p.part !== undefined) {
      const parts = packed.get(p.target) ?? [];
      parts[p.part] = values;
      packed.set(p.target, parts);
      packedShape.set(p.target, [3 * t.shape[0], ...t.shape.slice(1)]);
    } else if (p.transpose) {
      const [rows, cols] = t.shape;
      const data = allocHostData('f32', rows * cols) as Float32Array;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = values[r * cols + c];
      out.set(p.target, { dtype: 'f32', shape: [cols, rows], data });
    } else {
      out.set(p.target, { dtype: 'f32', shape: [...t.shape], data: values });
    }
  }
  for (const [target, parts] of packed) {
    const size = parts[0].length;
    const data = allocHostData('f32', 3 * size) as Float32Array;
    parts.forEach((values, i) => data.set(values, i * size));
    out.set(target, { dtype: 'f32', shape: packedShape.get(target)!, data });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// config.json
// ---------------------------------------------------------------------------------------------------------------

interface HfTower {
  hidden_size?: number;
  intermediate_size?: number;
  num_attention_heads?: number;
  num_hidden_layers?: number;
  hidden_act?: string;
  layer_norm_eps?: number;
  image_size?: number;
  patch_size?: number;
  max_position_embeddings?: number;
  vocab_size?: number;
}

interface HfClipConfig {
  model_type?: string;
  projection_dim?: number;
  text_config?: HfTower;
  vision_config?: HfTower;
  text_config_dict?: HfTower;
  vision_config_dict?: HfTower;
}

/** transformers' defaults for fields a config.json leaves out (CLIPTextConfig / CLIPVisionConfig). */
const HF_DEFAULT_HEADS = { text: 8, vision: 12 };

export function parseHuggingFaceConfig(json: string | Uint8Array | object): HfClipConfig {
  let value: unknown = json;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`clip checkpoint: config.json is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('clip checkpoint: config.json must hold a JSON object');
  }
  const c = value as HfClipConfig;
  if (c.model_type !== undefined && c.model_type !== 'clip') {
    throw new Error(`clip checkpoint: config.json has model_type '${c.model_type}', expected 'clip' (a CLIPModel)`);
  }
  return c;
}

function tower(c: HfClipConfig, which: 'text' | 'vision'): HfTower {
  // Old configs (transformers ≤ 4.2x) repeat the values under *_config_dict; the plain key wins when both exist.
  return { ...(which === 'text' ? c.text_config_dict : c.vision_config_dict), ...(which === 'text' ? c.text_config : c.vision_config) };
}

/** Head counts from config.json, with transformers' defaults for missing fields. */
export function huggingFaceHeads(c: HfClipConfig): Required<ClipHeadOptions> {
  return {
    visionHeads: tower(c, 'vision').num_attention_heads ?? HF_DEFAULT_HEADS.vision,
    textHeads: tower(c, 'text').num_attention_heads ?? HF_DEFAULT_HEADS.text,
  };
}

function activation(value: string | undefined, where: string): ClipActivation {
  if (value === undefined || value === 'quick_gelu') return 'quick_gelu'; // transformers' CLIP default
  if (value === 'gelu') return 'gelu';
  throw new Error(`clip checkpoint: config.json ${where}.hidden_act '${value}' is not supported (quick_gelu or gelu)`);
}

/**
 * Apply config.json's activation and epsilon to an inferred config, and check every size it states against the
 * sizes the weights imply (a mismatch means the config belongs to another model).
 */
export function applyHuggingFaceConfig(config: ClipConfig, c: HfClipConfig): ClipConfig {
  const v = tower(c, 'vision');
  const t = tower(c, 'text');
  const checks: Array<[string, number | undefined, number]> = [
    ['projection_dim', c.projection_dim, config.embedDim],
    ['vision_config.hidden_size', v.hidden_size, config.vision.width],
    ['vision_config.intermediate_size', v.intermediate_size, config.vision.mlpWidth],
    ['vision_config.num_hidden_layers', v.num_hidden_layers, config.vision.layers],
    ['vision_config.image_size', v.image_size, config.vision.imageSize],
    ['vision_config.patch_size', v.patch_size, config.vision.patchSize],
    ['text_config.hidden_size', t.hidden_size, config.text.width],
    ['text_config.intermediate_size', t.intermediate_size, config.text.mlpWidth],
    ['text_config.num_hidden_layers', t.num_hidden_layers, config.text.layers],
    ['text_config.max_position_embeddings', t.max_position_embeddings, config.text.contextLength],
    ['text_config.vocab_size', t.vocab_size, config.text.vocabSize],
  ];
  const wrong = checks.filter(([, stated, actual]) => stated !== undefined && stated !== actual);
  if (wrong.length) {
    throw new Error(
      'clip checkpoint: config.json disagrees with the weights: ' +
        wrong.map(([k, stated, actual]) => `${k} is ${stated} but the weights imply ${actual}`).join('; '),
    );
  }
  return {
    ...config,
    vision: {
      ...config.vision,
      activation: activation(v.hidden_act, 'vision_config'),
      layerNormEps: v.layer_norm_eps ?? config.vision.layerNormEps,
    },
    text: {
      ...config.text,
      activation: activation(t.hidden_act, 'text_config'),
      layerNormEps: t.layer_norm_eps ?? config.text.layerNormEps,
    },
  };
}

/**
 * readClipCheckpoint: any CLIP ViT checkpoint users bring, in memory (browser-safe; `./node.ts` adds paths).
 *
 * Layouts, told apart by their contents, never by file names:
 *   openai       OpenAI's TorchScript archives from `clip.load` (ViT-B-32.pt, …), or an OpenAI-named state dict
 *                saved with torch.save (optionally nested, e.g. {'state_dict': …}, or with a 'module.' prefix)
 *                or as safetensors. fp16 weights (OpenAI's convert_weights) become f32.
 *   huggingface  transformers' CLIPModel: model.safetensors or pytorch_model.bin, with config.json when given.
 *   stylegpu     our own safetensors (OpenAI names, config as JSON in `__metadata__`), see `./stylegpu.ts`.
 * The result always uses OpenAI's names (`clipWeightShapes` lists them) with f32 data, and a config inferred from
 * the weights as OpenAI's build_model does. Head counts are the one thing shapes cannot tell: they come from the
 * stylegpu metadata, the HF config.json, explicit options, or else width/64 — what build_model assumes and what
 * every released OpenAI ViT satisfies (B/32 and B/16: 12 vision / 8 text heads; L/14: 16 / 12).
 */

import {
  flattenStateDict,
  readSafetensors,
  readTorchCheckpoint,
  toFloat32,
  toNumbers,
  type HostTensor,
} from '@stylegpu/io';
import {
  checkClipWeights,
  checkWeightShapes,
  inferClipConfig,
  type ClipConfig,
  type ClipHeadOptions,
} from './config.js';
import {
  applyHuggingFaceConfig,
  convertHuggingFaceWeights,
  huggingFaceHeads,
  huggingFaceShapesAsOpenAI,
  huggingFaceWeightShapes,
  HF_IGNORED,
  looksLikeHuggingFace,
  parseHuggingFaceConfig,
} from './huggingface.js';
import { readStylegpuClip, STYLEGPU_CLIP_FORMAT } from './stylegpu.js';

export type ClipCheckpointLayout = 'openai' | 'huggingface' | 'stylegpu';
export type ClipCheckpointContainer = 'torchscript' | 'zip' | 'legacy' | 'pickle' | 'safetensors';
export type HeadCountSource = 'width/64' | 'options' | 'config.json' | 'transformers default' | 'stylegpu metadata';

export interface ClipCheckpoint {
  config: ClipConfig;
  /** OpenAI state-dict names → f32 tensors. */
  weights: Map<string, HostTensor>;
  layout: ClipCheckpointLayout;
  container: ClipCheckpointContainer;
  /** Where the head counts came from (shapes cannot say). */
  headsFrom: { vision: HeadCountSource; text: HeadCountSource };
}

export interface ClipLoadOptions extends ClipHeadOptions {
  /** A Hugging Face config.json (text, bytes or parsed) for a weights file given on its own. */
  configJson?: string | Uint8Array | object;
}

/** The files of a Hugging Face model folder, by file name (config.json, model.safetensors, pytorch_model.bin). */
export type ClipCheckpointFiles = Record<string, Uint8Array | string>;

export function readClipCheckpoint(input: Uint8Array | ClipCheckpointFiles, options: ClipLoadOptions = {}): ClipCheckpoint {
  if (input instanceof Uint8Array) return readWeightsFile(input, 'checkpoint', options);
  const names = Object.keys(input);
  const weightsName = ['model.safetensors', 'pytorch_model.bin'].find((n) => n in input);
  if (!weightsName) {
    const sharded = names.find((n) => n.endsWith('.index.json'));
    throw new Error(
      sharded
        ? `clip checkpoint: sharded checkpoints (${sharded}) are not supported; CLIP models fit in one file`
        : `clip checkpoint: the folder has neither model.safetensors nor pytorch_model.bin (files: ${names.join(', ') || 'none'})`,
    );
  }
  const bytes = input[weightsName];
  if (!(bytes instanceof Uint8Array)) throw new Error(`clip checkpoint: ${weightsName} must be given as bytes`);
  const configJson = input['config.json'] ?? options.configJson;
  return readWeightsFile(bytes, weightsName, { ...options, configJson });
}

function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  return headerLength >= 2n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

function readWeightsFile(bytes: Uint8Array, source: string, options: ClipLoadOptions): ClipCheckpoint {
  let tensors: Map<string, HostTensor>;
  let container: ClipCheckpointContainer;
  if (isSafetensors(bytes)) {
    const file = readSafetensors(bytes);
    if (file.metadata.format === STYLEGPU_CLIP_FORMAT) return readStylegpuClip(file, source);
    tensors = file.tensors;
    container = 'safetensors';
  } else {
    let checkpoint;
    try {
      checkpoint = readTorchCheckpoint(bytes);
    } catch (e) {
      throw new Error(
        `clip checkpoint (${source}): unknown file format: not safetensors and not a PyTorch checkpoint (${(e as Error).message})`,
      );
    }
    tensors = flattenStateDict(checkpoint.root);
    container = checkpoint.format;
  }

  const hf = stripPrefix(tensors, 'vision_model.embeddings.patch_embedding.weight') ??
    stripPrefix(tensors, 'text_model.embeddings.token_embedding.weight');
  if (hf && looksLikeHuggingFace(hf.keys())) return readHuggingFace(hf, container, source, options);
  const openai = stripPrefix(tensors, 'token_embedding.weight') ?? stripPrefix(tensors, 'visual.conv1.weight');
  if (openai) return readOpenAI(openai, container, source, options);
  const sample = [...tensors.keys()].slice(0, 6);
  throw new Error(
    `clip checkpoint (${source}): unknown layout: neither OpenAI CLIP names (token_embedding.weight, visual.conv1.weight, …) ` +
      `nor Hugging Face CLIPModel names (vision_model.…, text_model.…); ${tensors.size} tensors, first: ` +
      (sample.length ? sample.map((k) => `'${k}'`).join(', ') : 'none'),
  );
}

/**
 * The tensors under the prefix that precedes `anchor` (e.g. 'state_dict.' or 'module.'), renamed without it;
 * undefined if no key ends in the anchor. Tensors outside the prefix (optimizer state, …) are left out.
 */
function stripPrefix(tensors: Map<string, HostTensor>, anchor: string): Map<string, HostTensor> | undefined {
  let prefix: string | undefined;
  for (const name of tensors.keys()) {
    if (name === anchor) {
      prefix = '';
      break;
    }
    if (name.endsWith(`.${anchor}`) && (prefix === undefined || name.length - anchor.length < prefix.length)) {
      prefix = name.slice(0, name.length - anchor.length);
    }
  }
  if (prefix === undefined) return undefined;
  if (prefix === '') return tensors;
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  return out;
}

function headSource(
  override: number | undefined,
  fallback: HeadCountSource,
): HeadCountSource {
  return override !== undefined ? 'options' : fallback;
}

// OpenAI's archives carry these hyper-parameters as tensors (build_model deletes them); TorchScript archives also
// hold each text block's causal `attn_mask` attribute. Neither is a weight.
const OPENAI_SCALARS = ['input_resolution', 'context_length', 'vocab_size'] as const;
const OPENAI_MASK = /^(visual\.)?transformer\.resblocks\.\d+\.attn_mask$/;

function readOpenAI(
  tensors: Map<string, HostTensor>,
  container: ClipCheckpointContainer,
  source: string,
  options: ClipLoadOptions,
): ClipCheckpoint {
  const weights = new Map<string, HostTensor>();
  const scalars = new Map<string, number>();
  for (const [name, t] of tensors) {
    if ((OPENAI_SCALARS as readonly string[]).includes(name) && t.shape.length === 0) scalars.set(name, toNumbers(t)[0]);
    else if (!OPENAI_MASK.test(name)) weights.set(name, t);
  }
  const config = inferClipConfig(weights, options);
  const stated: Record<string, number> = {
    input_resolution: config.vision.imageSize,
    context_length: config.text.contextLength,
    vocab_size: config.text.vocabSize,
  };
  for (const [name, value] of scalars) {
    if (value !== stated[name]) {
      throw new Error(`clip checkpoint (${source}): the archive's ${name} is ${value} but the weights imply ${stated[name]}`);
    }
  }
  checkClipWeights(weights, config, source);
  return {
    config,
    weights: toFloat32Map(weights),
    layout: 'openai',
    container,
    headsFrom: { vision: headSource(options.visionHeads, 'width/64'), text: headSource(options.textHeads, 'width/64') },
  };
}

function readHuggingFace(
  tensors: Map<string, HostTensor>,
  container: ClipCheckpointContainer,
  source: string,
  options: ClipLoadOptions,
): ClipCheckpoint {
  const hfConfig = options.configJson !== undefined ? parseHuggingFaceConfig(options.configJson) : undefined;
  const fromConfig = hfConfig ? huggingFaceHeads(hfConfig) : undefined;
  const heads: ClipHeadOptions = {
    visionHeads: options.visionHeads ?? fromConfig?.visionHeads,
    textHeads: options.textHeads ?? fromConfig?.textHeads,
  };
  if (fromConfig) {
    for (const [key, given] of [['visionHeads', options.visionHeads], ['textHeads', options.textHeads]] as const) {
      if (given !== undefined && given !== fromConfig[key]) {
        throw new Error(`clip checkpoint (${source}): ${key} = ${given} contradicts config.json (${fromConfig[key]})`);
      }
    }
  }
  const { shapes } = huggingFaceShapesAsOpenAI(tensors);
  let config = inferClipConfig(shapes, heads);
  if (hfConfig) config = applyHuggingFaceConfig(config, hfConfig);
  const expected = huggingFaceWeightShapes(config);
  const relevant = new Map([...tensors].filter(([name]) => !HF_IGNORED.test(name)));
  checkWeightShapes(relevant, expected, source);
  const declared = (tower: 'vision' | 'text'): HeadCountSource => {
    if (tower === 'vision' ? options.visionHeads !== undefined : options.textHeads !== undefined) return 'options';
    if (!hfConfig) return 'width/64';
    const t = tower === 'vision' ? { ...hfConfig.vision_config_dict, ...hfConfig.vision_config } : { ...hfConfig.text_config_dict, ...hfConfig.text_config };
    return t.num_attention_heads !== undefined ? 'config.json' : 'transformers default';
  };
  return {
    config,
    weights: convertHuggingFaceWeights(relevant),
    layout: 'huggingface',
    container,
    headsFrom: { vision: declared('vision'), text: declared('text') },
  };
}

function toFloat32Map(weights: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of weights) out.set(name, { dtype: 'f32', shape: [...t.shape], data: toFloat32(t) });
  return out;
}

/**
 * stylegpu's own CLIP checkpoint: safetensors with OpenAI's names, f32 (or f16 to halve the download), and the
 * full ClipConfig (head counts included, so tiny or non-OpenAI models need no options) as JSON in `__metadata__`:
 *   { "format": "stylegpu-clip", "version": "1", "config": "<ClipConfig JSON>" }
 * Any loader that reads safetensors can open it; `readClipCheckpoint` recognises it by the format field.
 */

import {
  numberToFloat16Bits,
  toFloat32,
  writeSafetensors,
  type HostTensor,
  type SafetensorsFile,
} from '@stylegpu/io';
import { checkClipConfig, checkClipWeights, clipWeightShapes, type ClipConfig } from './config.js';
import type { ClipCheckpoint } from './load.js';

export const STYLEGPU_CLIP_FORMAT = 'stylegpu-clip';
export const STYLEGPU_CLIP_VERSION = '1';

export interface SaveClipOptions {
  /** Storage precision; f16 rounds to nearest even (OpenAI's released weights are f16 already). Default f32. */
  dtype?: 'f32' | 'f16';
}

/** Serialise a config and OpenAI-named weights (any float dtype) to stylegpu's safetensors bytes. */
export function saveClipCheckpoint(
  checkpoint: { config: ClipConfig; weights: ReadonlyMap<string, HostTensor> },
  options: SaveClipOptions = {},
): Uint8Array {
  const { config, weights } = checkpoint;
  const dtype = options.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') {
    throw new Error(`saveClipCheckpoint: dtype must be 'f32' or 'f16', got ${JSON.stringify(dtype)}`);
  }
  checkClipConfig(config, 'saveClipCheckpoint');
  checkClipWeights(weights, config, 'saveClipCheckpoint');
  const out = new Map<string, HostTensor>();
  for (const name of clipWeightShapes(config).keys()) {
    const t = weights.get(name)!;
    const values = toFloat32(t);
    if (dtype === 'f32') {
      out.set(name, { dtype: 'f32', shape: [...t.shape], data: values });
    } else {
      const bits = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) bits[i] = numberToFloat16Bits(values[i]);
      out.set(name, { dtype: 'f16', shape: [...t.shape], data: bits });
    }
  }
  return writeSafetensors(out, {
    format: STYLEGPU_CLIP_FORMAT,
    version: STYLEGPU_CLIP_VERSION,
    config: JSON.stringify(config),
  });
}

/** Read a stylegpu CLIP file already parsed as safetensors. */
export function readStylegpuClip(file: SafetensorsFile, source: string): ClipCheckpoint {
  const { metadata } = file;
  if (metadata.version !== STYLEGPU_CLIP_VERSION) {
    throw new Error(
      `clip checkpoint (${source}): stylegpu-clip version ${JSON.stringify(metadata.version)} is not supported (expected ${STYLEGPU_CLIP_VERSION})`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(metadata.config ?? '');
  } catch (e) {
    throw new Error(`clip checkpoint (${source}): stylegpu-clip metadata has no valid config JSON (${(e as Error).message})`);
  }
  checkClipConfig(config, source);
  checkClipWeights(file.tensors, config, source);
  const weights = new Map<string, HostTensor>();
  for (const [name, t] of file.tensors) weights.set(name, { dtype: 'f32', shape: [...t.shape], data: toFloat32(t) });
  return {
    config,
    weights,
    layout: 'stylegpu',
    container: 'safetensors',
    headsFrom: { vision: 'stylegpu metadata', text: 'stylegpu metadata' },
  };
}

/**
 * loadClipCheckpoint for Node: a checkpoint given as bytes, a file path, a Hugging Face model folder, or an
 * embedded name (`embedded:shapes32-clip`, ./embedded.ts).
 * A weights file named model.safetensors or pytorch_model.bin picks up a config.json next to it, as transformers
 * would; a folder must hold one of those two files.
 */

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, type HostTensor } from '@stylegpu/io';
import type { ClipConfig } from './config.js';
import { readClipCheckpoint, type ClipCheckpoint, type ClipCheckpointFiles, type ClipLoadOptions } from './load.js';
import { isEmbeddedName, readEmbeddedClip } from './embedded.js';
import { saveClipCheckpoint, type SaveClipOptions } from './stylegpu.js';

const HF_FILES = ['config.json', 'model.safetensors', 'pytorch_model.bin'];

export async function loadClipCheckpoint(
  source: Uint8Array | string,
  options: ClipLoadOptions = {},
): Promise<ClipCheckpoint> {
  if (source instanceof Uint8Array) return readClipCheckpoint(source, options);
  if (isEmbeddedName(source)) return (await readEmbeddedClip(source)).checkpoint;
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new Error(`clip checkpoint: no such file or folder: ${source}`);
  }
  if (info.isDirectory()) {
    const present = new Set(await readdir(source));
    const files: ClipCheckpointFiles = {};
    // Only the weights file that will be used is read (safetensors first, like transformers).
    const weightsName = ['model.safetensors', 'pytorch_model.bin'].find((n) => present.has(n));
    for (const name of HF_FILES) {
      if (present.has(name) && (name === 'config.json' || name === weightsName)) {
        files[name] = new Uint8Array(await readFile(path.join(source, name)));
      }
    }
    if (!weightsName) {
      for (const name of present) if (name.endsWith('.index.json')) files[name] = '';
      if (Object.keys(files).length === 0) {
        throw new Error(
          `clip checkpoint: folder ${source} has neither model.safetensors nor pytorch_model.bin ` +
            `(contents: ${[...present].slice(0, 10).join(', ') || 'empty'})`,
        );
      }
    }
    return readClipCheckpoint(files, options);
  }
  const bytes = new Uint8Array(await readFile(source));
  const sibling = path.join(path.dirname(source), 'config.json');
  if (options.configJson === undefined && HF_FILES.slice(1).includes(path.basename(source))) {
    const config = await readFile(sibling).catch(() => undefined);
    if (config) return readClipCheckpoint(bytes, { ...options, configJson: new Uint8Array(config) });
  }
  return readClipCheckpoint(bytes, options);
}

/** Write stylegpu's CLIP format to `file` atomically (see saveClipCheckpoint). */
export async function saveClipCheckpointFile(
  file: string,
  checkpoint: { config: ClipConfig; weights: ReadonlyMap<string, HostTensor> },
  options: SaveClipOptions = {},
): Promise<void> {
  await writeFileAtomic(file, saveClipCheckpoint(checkpoint, options));
}

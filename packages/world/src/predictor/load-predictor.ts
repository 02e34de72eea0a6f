/**
 * `loadPredictor(rt, source)`: a factor predictor from bytes, an embedded name
 * (`embedded:shapes32-predictor` → the package's `embedded/shapes32-predictor.safetensors`, read
 * from disk in Node and fetched in a browser) or, in Node, a file path. embedded/README.md says
 * which run produced each embedded file.
 */
import { embeddedFileUrl, isEmbeddedName, readEmbeddedFile } from '@stylegpu/io';
import { type Runtime } from '@stylegpu/kernels';
import { EMBEDDED_FOLDER } from '../embedded-folder.js';
import { FactorPredictor } from './factor-predictor.js';

/** Name (after `embedded:`) → file in embedded/. */
export const EMBEDDED_PREDICTORS: Readonly<Record<string, string>> = {
  'shapes32-predictor': 'shapes32-predictor.safetensors',
};

/** `embedded:<name>` → the URL of its file; an unknown name throws listing the known ones. */
export function embeddedPredictorUrl(source: string): URL {
  return embeddedFileUrl(source, EMBEDDED_PREDICTORS, EMBEDDED_FOLDER, 'predictor');
}

export async function loadPredictor(rt: Runtime, source: Uint8Array | string): Promise<FactorPredictor> {
  if (source instanceof Uint8Array) return FactorPredictor.load(rt, source);
  if (isEmbeddedName(source)) return FactorPredictor.load(rt, await readEmbeddedFile(embeddedPredictorUrl(source), source), source);
  const { readFile } = await import('node:fs/promises');
  const buf = await readFile(source);
  return FactorPredictor.load(rt, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), source);
}

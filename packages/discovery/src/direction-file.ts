/**
 * Direction sets on disk: safetensors with `vectors` [K, w_dim] and `layerWeights` [K, num_ws] in
 * float64, and in `__metadata__` format 'stylegpu-directions', version '1', the method, names, step
 * scales and scores (JSON). Navigators have their own format (navigator/navigator.ts);
 * `loadEditor` reads either.
 */
import { readSafetensors, toNumbers, writeSafetensors } from '@stylegpu/io';
import { type Runtime } from '@stylegpu/kernels';
import { checkDirectionSet, directionSetEditor, type DirectionSet, type LatentEditor } from './direction-set.js';
import { NAVIGATOR_FORMAT, Navigator } from './navigator/navigator.js';

export const DIRECTIONS_FORMAT = 'stylegpu-directions';
export const DIRECTIONS_VERSION = '1';

export function saveDirectionSet(set: DirectionSet): Uint8Array {
  checkDirectionSet(set, 'saveDirectionSet');
  return writeSafetensors(
    new Map([
      ['vectors', { dtype: 'f64' as const, shape: [set.count, set.wDim], data: Float64Array.from(set.vectors) }],
      ['layerWeights', { dtype: 'f64' as const, shape: [set.count, set.numWs], data: Float64Array.from(set.layerWeights) }],
    ]),
    {
      format: DIRECTIONS_FORMAT,
      version: DIRECTIONS_VERSION,
      method: set.method,
      names: JSON.stringify(set.names),
      stepScales: JSON.stringify(set.stepScales),
      ...(set.scores ? { scores: JSON.stringify(set.scores) } : {}),
    },
  );
}

export function loadDirectionSet(bytes: Uint8Array, name = 'directions file'): DirectionSet {
  const file = readOrExplain(bytes, name, 'loadDirectionSet');
  const meta = file.metadata;
  if (meta.format !== DIRECTIONS_FORMAT) throw new Error(`loadDirectionSet: ${name} has format '${meta.format ?? '(none)'}', expected '${DIRECTIONS_FORMAT}'; pass a file written by stylegpu discover baseline`);
  if (meta.version !== DIRECTIONS_VERSION) throw new Error(`loadDirectionSet: ${name} is version '${meta.version}', this stylegpu reads version '${DIRECTIONS_VERSION}'`);
  const v = file.tensors.get('vectors');
  const a = file.tensors.get('layerWeights');
  if (!v || !a || v.shape.length !== 2 || a.shape.length !== 2 || v.shape[0] !== a.shape[0]) {
    throw new Error(`loadDirectionSet: ${name} needs 'vectors' [K, w_dim] and 'layerWeights' [K, num_ws]`);
  }
  let names: string[];
  let stepScales: number[];
  let scores: number[] | undefined;
  try {
    names = JSON.parse(meta.names);
    stepScales = JSON.parse(meta.stepScales);
    scores = meta.scores ? JSON.parse(meta.scores) : undefined;
  } catch {
    throw new Error(`loadDirectionSet: ${name} has unreadable names/stepScales metadata`);
  }
  const set: DirectionSet = {
    method: meta.method ?? 'unknown',
    count: v.shape[0],
    wDim: v.shape[1],
    numWs: a.shape[1],
    vectors: Float64Array.from(toNumbers(v)),
    layerWeights: Float64Array.from(toNumbers(a)),
    names,
    stepScales,
    ...(scores ? { scores } : {}),
  };
  checkDirectionSet(set, `loadDirectionSet (${name})`);
  return set;
}

/** A navigator file or a direction-set file, as a `LatentEditor` (dispose it with `disposeEditor`). */
export function loadEditor(rt: Runtime, bytes: Uint8Array, name = 'directions file'): LatentEditor {
  const file = readOrExplain(bytes, name, 'loadEditor');
  if (file.metadata.format === NAVIGATOR_FORMAT) return Navigator.load(rt, bytes, name);
  if (file.metadata.format === DIRECTIONS_FORMAT) return directionSetEditor(loadDirectionSet(bytes, name));
  throw new Error(`loadEditor: ${name} has format '${file.metadata.format ?? '(none)'}'; expected a navigator ('${NAVIGATOR_FORMAT}') or a direction set ('${DIRECTIONS_FORMAT}') from stylegpu discover train / baseline`);
}

export function disposeEditor(e: LatentEditor): void {
  if (e instanceof Navigator) e.dispose();
}

function readOrExplain(bytes: Uint8Array, name: string, op: string) {
  try {
    return readSafetensors(bytes);
  } catch (e) {
    throw new Error(`${op}: ${name} is not a safetensors file (${(e as Error).message}); pass a file written by stylegpu discover train / baseline`);
  }
}

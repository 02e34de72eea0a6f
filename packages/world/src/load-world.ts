/**
 * Worlds by name: `loadWorld('world:shapes', { resolution: 64 })`.
 */

import type { WorldDefinition } from './definition.js';
import { FACES_WORLD } from './faces-world.js';
import { SHAPES_WORLD } from './shapes-world.js';
import { World } from './world.js';

export const WORLD_DEFINITIONS: Readonly<Record<string, WorldDefinition>> = {
  shapes: SHAPES_WORLD,
  faces: FACES_WORLD,
};

/** The ids loadWorld accepts. */
export const WORLD_NAMES: readonly string[] = Object.keys(WORLD_DEFINITIONS).map((n) => `world:${n}`);

export interface LoadWorldOptions {
  /** Image side in pixels: a power of two from 16 to 1024 (default 64). */
  resolution?: number;
}

/** A world by id ('world:shapes', 'world:faces'; the bare name works too). */
export function loadWorld(name: string, options: LoadWorldOptions = {}): World {
  const key = typeof name === 'string' ? name.replace(/^world:/, '') : '';
  const definition = Object.prototype.hasOwnProperty.call(WORLD_DEFINITIONS, key) ? WORLD_DEFINITIONS[key] : undefined;
  if (!definition) throw new Error(`loadWorld: unknown world '${String(name)}'; known worlds are ${WORLD_NAMES.join(', ')}`);
  return new World(definition, options.resolution ?? 64);
}

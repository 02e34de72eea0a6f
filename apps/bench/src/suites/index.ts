/**
 * The suite registry, shared by the Node runner and the page bundle.
 *
 * Model suites (StyleGAN2 generator forward, CLIP image/text encoders, one StyleGAN-NADA step)
 * go here as their packages land: one file per suite in this folder exporting a `Suite`, then one
 * entry in SUITES. Cases import their package the way users do (`@stylegpu/stylegan`, …).
 */
import { kernelsSuite } from './kernels.js';
import { clipSuite } from './models-clip.js';
import { nadaSuite } from './models-nada.js';
import { stylegan2Suite } from './models-stylegan.js';
import { trainSuite } from './models-train.js';
import type { Suite } from './types.js';

export const SUITES: readonly Suite[] = [
  kernelsSuite,
  stylegan2Suite,
  clipSuite,
  nadaSuite,
  trainSuite,
  // generatorSuite, clipSuite, nadaSuite — later issues.
];

export function findSuites(names: readonly string[] | undefined): Suite[] {
  if (!names || names.length === 0) return [...SUITES];
  return names.map((n) => {
    const s = SUITES.find((x) => x.name === n);
    if (!s) throw new Error(`bench: unknown suite "${n}" (have: ${SUITES.map((x) => x.name).join(', ')})`);
    return s;
  });
}

export type { Suite };

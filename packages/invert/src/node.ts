// @stylegpu/invert/node: everything in the main entry, plus file helpers (targets, LPIPS weights, outputs).
export * from './index.js';
export { loadProjectionTarget } from './files/load-target.js';
export { loadLpipsWeights } from './files/load-lpips.js';

/**
 * `@stylegpu/kernels/testing`: helpers the packages' tests share (no GPU needed).
 */
export * from './random-matrices.js';
export { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

/**
 * `@stylegpu/kernels/testing`: the helpers the packages' tests share that need neither a GPU nor a
 * test framework: seeded random data, the relative error and tolerances, finite
 * differences, random matrices with known eigenvalues and the Chromium flags.
 *
 * The helpers that assert (expectClose, checkOp) or hold a GPU runtime live in
 * `@stylegpu/kernels/testing/vitest`. They call vitest's `expect`, so keeping them on their own
 * subpath means importing this one never loads vitest: vitest is only an optional peer dependency
 * of @stylegpu/kernels, needed by whoever imports the vitest subpath.
 */
export * from './seeded-random.js';
export * from './relative-error.js';
export * from './finite-differences.js';
export * from './random-matrices.js';
export { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

/**
 * The public surface and `@stylegpu/kernels/internals` as one namespace, for the tests that check
 * kernel variants, tables or raw launches next to the public ops (`import * as K from './with-internals.js'`).
 */
export * from '../src/index.node.js';
export * from '../src/internals.js';

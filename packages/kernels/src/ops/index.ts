/** Every op, re-exported. Adding an op is one file plus one line here (and one in its test). */
import { setAutogradPrimitives } from '../autograd.js';
import { onesLike } from './creation.js';
import { binaryRaw } from './elementwise.js';

export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';

// Gradient accumulation needs `add` and the seed gradient needs `onesLike`; autograd.ts cannot
// import the ops without a cycle, so they are handed over here.
setAutogradPrimitives((a, b) => binaryRaw('add', a, b), onesLike);

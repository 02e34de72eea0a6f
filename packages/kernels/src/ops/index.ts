/** Every op, re-exported. Adding an op is one file plus one line here (and one in its test). */

export * from './creation.js';
export * from './cast.js';
export * from './elementwise.js';
export * from './broadcast.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';
export * from './softmax.js';
export * from './layer-norm.js';
export * from './attention.js';
export * from './embedding.js';
export * from './upfirdn2d.js';
export * from './normalize.js';
export * from './bias-act.js';
export * from './resize.js';
export * from './random.js';
export * from './conv2d.js';
export * from './modulated-conv2d.js';
export * from './noise.js';
export * from './minibatch-std.js';

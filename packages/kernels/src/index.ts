/** The runtime-independent surface of @stylegpu/kernels; the two entry points add `createDevice`. */
export * from './device.js';
export * from './kernel.js';
export * from './uniforms.js';
export * from './pool.js';
export * from './tensor.js';
export * from './runtime.js';
export * from './profiler.js';
export * from './autograd.js';
export * from './ops/index.js';
export * from './io/index.js';
export * from './optim/index.js';
export * from './linalg/index.js';

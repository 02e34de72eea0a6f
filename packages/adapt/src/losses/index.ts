export * from './text-direction.js';
export * from './directional-clip-loss.js';
export * from './global-clip-loss.js';
export * from './manifold-angle-loss.js';
export * from './multi-clip-loss.js';
export * from './image-direction.js';

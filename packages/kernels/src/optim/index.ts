/** Optimisers matching torch.optim, each a fused in-place kernel per parameter. */
export * from './adam.js';
export * from './sgd.js';

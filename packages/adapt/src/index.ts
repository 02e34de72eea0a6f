// @stylegpu/adapt: StyleGAN-NADA and StyleDomain building blocks on @stylegpu/kernels.
export * from './templates.js';
export * from './losses/index.js';
export * from './phases.js';

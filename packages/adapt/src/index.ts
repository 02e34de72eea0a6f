// @stylegpu/adapt: StyleGAN-NADA and StyleDomain building blocks on @stylegpu/kernels.
export * from './templates.js';
export * from './losses/index.js';
export * from './phases.js';
export * from './adaptive-layers.js';
export * from './latent-mapper.js';
export * from './optimizer.js';
export * from './nada/nada-trainer.js';
export * from './mapper/mapper-trainer.js';
export * from './trainer/objective.js';
export * from './trainer/parameterisation.js';
export * from './trainer/objective-registry.js';
export * from './parameterisations/generator-weights.js';
export * from './parameterisations/layer-groups.js';
export * from './parameterisations/param-overrides.js';
export * from './parameterisations/style-delta.js';
export * from './parameterisations/affine-plus.js';
export * from './parameterisations/registry.js';

// @stylegpu/invert public surface (browser-safe; file helpers are in ./node).
export * from './overparam/overparam-modulated-conv2d.js';
export * from './overparam/spatial-modulated-conv2d.js';
export * from './overparam/overparam-synthesis.js';

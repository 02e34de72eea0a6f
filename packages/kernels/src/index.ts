/**
 * The public surface of @stylegpu/kernels, shared by both entry points (they add `createDevice` and
 * `createRuntime`): the runtime and its tensors, autograd, the ops, the optimisers, float64 linear
 * algebra, uploads of @stylegpu/io's host tensors, and what a package needs to write a kernel of its own.
 *
 * Listed name by name, so that adding an export to a source file does not make it public. The kernel
 * variants, raw (gradient-less) launches and WGSL plumbing that tests and benchmarks reach for are at
 * `@stylegpu/kernels/internals` (src/internals.ts). File formats are @stylegpu/io.
 */

// The device and the runtime.
export { DESIGN_LIMITS, describeAdapter, type AdapterReport, type DeviceOptions, type GpuContext } from './device.js';
export { KernelError, Runtime, type DispatchArgs, type KernelErrorKind } from './runtime.js';
export { BYTES_PER_ELEMENT, Tensor, formatShape, shapeSize, type DType, type TypedArrayOf } from './tensor.js';
export type { PoolStats } from './pool.js';
export { KernelProfile, formatProfile, type KernelTime } from './profiler.js';

// Autograd; `attach` records the backward of an op written outside this package.
export { attach, backward, grad, zeroGrad, type AttachOptions, type BackwardContext, type GradFn, type GradNode, type GradOptions } from './autograd.js';

// Writing a kernel: its cache key and WGSL, the shared binding convention, the uniforms.
export { bindings, f32, flatMain, i32, kernel, type Kernel, type Uniform } from './kernel.js';
export { uniformStruct, vec4f, vec4u, type UniformField, type UniformStruct, type UniformValues, type Vec4fArray, type Vec4uArray } from './uniforms.js';

// Between @stylegpu/io's host tensors and the GPU.
export { GPU_DTYPE_OF, fromHost, fromHostMap, toHost, type FromHostOptions } from './tensor-io.js';

// The ops (src/ops/, one file each).
export {
  // creation and dtype
  full,
  fullLike,
  ones,
  onesLike,
  zeros,
  zerosLike,
  cast,
  type FloatDType,
  // elementwise, broadcasting
  abs,
  add,
  addScalar,
  broadcastShapes,
  clampMax,
  clampMin,
  cos,
  div,
  equal,
  exp,
  greater,
  greaterEqual,
  lerp,
  less,
  log,
  maximum,
  minimum,
  mul,
  mulScalar,
  neg,
  powScalar,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
  expand,
  sum,
  sumTo,
  // reductions
  max,
  mean,
  // shape
  concat,
  permute,
  reshape,
  slice,
  stack,
  transpose,
  // linear layers, normalisation, attention
  linear,
  matmul,
  type LinearOptions,
  type MatmulOptions,
  layerNorm,
  type LayerNormOptions,
  logSoftmax,
  softmax,
  scaledDotProductAttention,
  type AttentionOptions,
  embedding,
  ACTIVATIONS,
  biasAct,
  type Activation,
  type BiasActOptions,
  // images: filters, convolutions, resampling, preprocessing
  downsample2d,
  filter2d,
  filterTensor,
  setupFilter,
  upfirdn2d,
  upsample2d,
  type FirFilter,
  type Padding,
  type ResampleOptions,
  type Scaling,
  type SetupFilterOptions,
  type Upfirdn2dOptions,
  conv2d,
  convTranspose2d,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type Pair,
  modulatedConv2d,
  type ModulatedConv2dOptions,
  addNoise,
  minibatchStd,
  type MinibatchStdOptions,
  resize,
  type ResizeMode,
  type ResizeOptions,
  centerCrop,
  cosineSimilarity,
  l2Normalize,
  normalizeChannels,
  // random numbers (Philox)
  randomNormal,
  randomUniform,
  type NormalOptions,
  type RandomOptions,
  type UniformOptions,
} from './ops/index.js';

// Optimisers.
export { Adam, type AdamGroup, type AdamOptions, type AdamState } from './optim/adam.js';
export { SGD, type SgdGroup, type SgdOptions, type SgdState } from './optim/sgd.js';

// Float64 CPU linear algebra.
export { symmetricEigen, topEigenvectors, type SymmetricEigen } from './linalg/index.js';

/**
 * `@stylegpu/kernels/internals`: what the kernels' own tests and the benchmarks reach past the public
 * surface for. Kernel variants and their selection, launches without autograd (`*Raw`), the WGSL and
 * uniform plumbing, buffer pooling and device opening. No compatibility promise: these change with
 * the kernels.
 */

// Devices, buffers, uniforms, WGSL snippets.
export { NO_ADAPTER_HELP, openDevice, type GpuWaiter } from './device.js';
export { BufferPool, POOL_USAGE, sizeClass } from './pool.js';
export { Storage } from './tensor.js';
export { MAX_RANK, packed, writeUniforms } from './kernel.js';

// Kernel tables, variants and raw launches of the ops.
export {
  BINARY,
  UNARY,
  binaryRaw,
  broadcastStrides,
  coalesceBroadcast,
  unary,
  type BinaryOp,
  type UnaryOp,
  contiguousStrides,
  normAxis,
  stridedGather,
  stridedScatter,
  matmulFlops,
  matmulRaw,
  matmulVariant,
  type MatmulVariant,
  softmaxBackwardRaw,
  softmaxRaw,
  softmaxVariant,
  type SoftmaxVariant,
  layerNormVariant,
  type LayerNormVariant,
  FUSED_ATTENTION_MAX_KEYS,
  attentionVariant,
  type AttentionVariant,
  conv2dFlops,
  conv2dVariant,
  conv2dWeightGrad,
  type Conv2dVariant,
  type ConvTranspose2dPath,
  modulatedConv2dUnfused,
  modulatedConv2dVariant,
  type ModulatedConv2dVariant,
  resizeTaps,
  type Taps,
  centerCropOffset,
  randomBits,
} from './ops/index.js';

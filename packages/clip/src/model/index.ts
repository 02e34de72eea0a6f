// The CLIP model on the GPU: one file per concept.
export { ClipModel } from './clip-model.js';
export { VisionTransformer } from './vision-transformer.js';
export { TextTransformer } from './text-transformer.js';
export {
  blockWeights,
  multiHeadSelfAttention,
  residualAttentionBlock,
  type ResidualAttentionBlockWeights,
} from './residual-attention-block.js';

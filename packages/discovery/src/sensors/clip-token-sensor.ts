/**
 * CLIP's image tower as a sensor: the patch tokens after chosen residual blocks, laid out as
 * feature maps [N, width, g, g] (g = imageSize / patch), the class token dropped. Intermediate
 * tokens keep where a change happened, which the contrastive masks need (the final embedding has
 * no spatial layout). Generator images in [−1, 1] are resized and normalised as StyleGAN-NADA does
 * (`preprocessGenerated`).
 *
 * The token path repeats `VisionTransformer.forward` up to the blocks (patchify as one strided
 * gather + matmul, class token, positions, ln_pre); `clipFinalFeatures` finishes it (ln_post on the
 * class token, proj), and the tests check that equals `ClipModel.encodeImage`. Weights are frozen.
 * Without a trained CLIP, `randomClipSensor` builds one from `initClipWeights` (a random ViT is a
 * usable, if weak, sensor: its features still localise changes).
 */
import { add, concat, expand, layerNorm, matmul, permute, reshape, slice, type Runtime, type Tensor } from '@stylegpu/kernels';
import { blockWeights, ClipModel, initClipWeights, preprocessGenerated, residualAttentionBlock, type ClipConfig } from '@stylegpu/clip';
import type { FeatureSensor } from './feature-sensor.js';

export interface ClipTokenSensorOptions {
  /** Residual blocks (0-based) whose outputs are used. Default: the last min(3, layers) blocks. */
  blocks?: readonly number[];
}

export interface ClipTokenSensor extends FeatureSensor {
  /** Token maps after the chosen blocks and the final image features (checked against encodeImage in tests). */
  tokensAndFinal(images: Tensor): { maps: Tensor[]; final: Tensor };
}

export function clipTokenSensor(clip: ClipModel, opts: ClipTokenSensorOptions = {}): ClipTokenSensor {
  const v = clip.config.vision;
  const L = v.layers;
  const blocks = [...(opts.blocks ?? Array.from({ length: Math.min(3, L) }, (_, i) => L - Math.min(3, L) + i))].sort((a, b) => a - b);
  if (blocks.length === 0) throw new Error('clipTokenSensor: choose at least one block');
  for (const b of blocks) {
    if (!Number.isInteger(b) || b < 0 || b >= L) throw new Error(`clipTokenSensor: block ${b} is not one of the image tower's ${L} blocks (0..${L - 1})`);
  }
  const weights = clip.parameters();
  const get = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`clipTokenSensor: the CLIP model has no '${name}'`);
    return t;
  };
  const blockW = Array.from({ length: L }, (_, i) => blockWeights(weights, `visual.transformer.resblocks.${i}.`));
  const { width, patchSize: p, imageSize: R, layerNormEps: eps } = v;
  const grid = R / p;
  const run = (images: Tensor, final: boolean): { maps: Tensor[]; final: Tensor | null } => {
    if (images.rank !== 4 || images.shape[1] !== 3) throw new Error(`clipTokenSensor: images must be [N, 3, H, W] RGB, got [${images.shape.join(', ')}]`);
    const x0 = preprocessGenerated(images, { size: R });
    const N = x0.shape[0];
    const windows = permute(reshape(x0, [N, 3, grid, p, grid, p]), [0, 2, 4, 1, 3, 5]);
    const patches = matmul(reshape(windows, [N * grid * grid, 3 * p * p]), reshape(get('visual.conv1.weight'), [width, 3 * p * p]), { transB: true });
    const cls = expand(reshape(get('visual.class_embedding'), [1, 1, width]), [N, 1, width]);
    let x = add(concat([cls, reshape(patches, [N, grid * grid, width])], 1), get('visual.positional_embedding'));
    x = layerNorm(x, get('visual.ln_pre.weight'), get('visual.ln_pre.bias'), { eps });
    const maps: Tensor[] = [];
    const last = final ? L - 1 : blocks[blocks.length - 1];
    for (let i = 0; i <= last; i++) {
      x = residualAttentionBlock(x, blockW[i], v, false);
      if (blocks.includes(i)) {
        const tokens = slice(x, [null, [1, grid * grid + 1]]); // [N, g², width]
        maps.push(reshape(permute(tokens, [0, 2, 1]), [N, width, grid, grid]));
      }
    }
    if (!final) return { maps, final: null };
    const head = reshape(slice(x, [null, [0, 1]]), [N, width]);
    return { maps, final: matmul(layerNorm(head, get('visual.ln_post.weight'), get('visual.ln_post.bias'), { eps }), get('visual.proj')) };
  };
  return {
    name: `clip-tokens[${blocks.join(',')}]`,
    features: (images) => run(images, false).maps,
    tokensAndFinal: (images) => {
      const r = run(images, true);
      return { maps: r.maps, final: r.final! };
    },
  };
}

/** A small randomly initialised CLIP (seeded) as a sensor, until a trained one is available. */
export function randomClipSensor(rt: Runtime, opts: { imageSize?: number; patchSize?: number; width?: number; layers?: number; seed?: number } & ClipTokenSensorOptions = {}): ClipTokenSensor & { clip: ClipModel } {
  const imageSize = opts.imageSize ?? 32;
  const patchSize = opts.patchSize ?? 4;
  const width = opts.width ?? 64;
  const layers = opts.layers ?? 3;
  const config: ClipConfig = {
    embedDim: width,
    vision: { width, layers, heads: Math.max(1, width / 32), mlpWidth: 4 * width, activation: 'quick_gelu', layerNormEps: 1e-5, patchSize, imageSize },
    text: { width: 32, layers: 1, heads: 1, mlpWidth: 128, activation: 'quick_gelu', layerNormEps: 1e-5, contextLength: 8, vocabSize: 16 },
  };
  const clip = ClipModel.fromWeights(rt, config, initClipWeights(config, opts.seed ?? 0));
  return Object.assign(clipTokenSensor(clip, opts), { clip });
}

/**
 * StyleGAN2's residual discriminator with the semantics of NVIDIA's stylegan2-ada-pytorch
 * `Discriminator` (`training/networks.py`, architecture 'resnet', unconditional):
 *
 *   top block b{R}:  x = FromRGB(img)                          1×1 conv, lrelu
 *   every block b{r}, r = R … 8:
 *     y = skip(x)        FIR downsample 2 then 1×1 conv, no bias, linear, gain √0.5
 *     x = conv0(x)       3×3, lrelu
 *     x = conv1(x)       FIR blur with padding 2 then 3×3 stride 2, lrelu, gain √0.5
 *     x = y + x
 *   epilogue b4:     minibatch std (group min(G, N), F channels) → conv 3×3 lrelu → flatten →
 *                    fc lrelu → out (linear to 1 logit per image)
 *
 * Conv2dLayer (`conv2d_resample.py`'s down-2 path, reference-semantics §2.4): the weight is scaled by
 * 1/√(C_in·k²) at run time; bias_act's activation gain (√2 for lrelu) and the clamp `conv_clamp`
 * are both multiplied by the layer's extra `gain`, so conv1's output has gain √2·√0.5 = 1 and clamp
 * conv_clamp·√0.5; the skip layer has no clamp (NVIDIA builds it without conv_clamp).
 * FullyConnectedLayer: weight gain 1/√in, bias gain 1 (lr multiplier 1 in D), no clamp.
 *
 * Parameters are GPU tensors named as in `D.state_dict()` (`b16.fromrgb.weight`, `b4.fc.bias`, …).
 * Forward is differentiable in the image and in every parameter marked trainable.
 */
import type { HostTensor } from '@stylegpu/io';
import {
  type FirFilter,
  type Runtime,
  type Tensor,
  add,
  biasAct,
  conv2d,
  downsample2d,
  linear,
  minibatchStd,
  mulScalar,
  reshape,
  setupFilter,
  upfirdn2d,
} from '@stylegpu/kernels';
import { uploadWeights } from './upload-weights.js';
import { type DiscriminatorConfig, blockResolutions, discriminatorShapes } from '../checkpoint/config.js';
import { type StyleGanCheckpoint, loadStyleGanCheckpoint } from '../checkpoint/load.js';

/** The FIR filter of every down-2 step: [1, 3, 3, 1] outer product, normalised (symmetric, so flipping is moot). */
const RESAMPLE_TAPS = [1, 3, 3, 1];
const SQRT_HALF = Math.SQRT1_2;

export class Discriminator {
  /** Block resolutions from the image's down to 8 (then the b4 epilogue). */
  readonly blockResolutions: readonly number[];
  private readonly filter: FirFilter;

  private constructor(
    readonly rt: Runtime,
    readonly config: DiscriminatorConfig,
    /** Every parameter, NVIDIA-named, kept on the GPU until `dispose()`. */
    readonly params: Map<string, Tensor>,
  ) {
    this.blockResolutions = blockResolutions(config.imgResolution).slice(1).reverse();
    this.filter = setupFilter(RESAMPLE_TAPS);
  }

  /**
   * Uploads weights (NVIDIA names, as the checkpoint loaders give them) for `config`. Every
   * expected tensor must be present with its exact shape; extras are an error too.
   */
  static fromWeights(rt: Runtime, config: DiscriminatorConfig, weights: ReadonlyMap<string, HostTensor>): Discriminator {
    const params = uploadWeights(rt, 'Discriminator', discriminatorShapes(config), weights);
    return new Discriminator(rt, config, params);
  }

  /** The discriminator of a checkpoint (NVIDIA .pkl, rosinality .pt or stylegpu .safetensors): bytes, a path or a loaded checkpoint. */
  static async load(rt: Runtime, source: Uint8Array | string | StyleGanCheckpoint): Promise<Discriminator> {
    const ckpt = typeof source === 'string' || source instanceof Uint8Array ? await loadStyleGanCheckpoint(source) : source;
    if (!ckpt.config.discriminator || !ckpt.discriminator) throw new Error('Discriminator: this checkpoint has no discriminator');
    return Discriminator.fromWeights(rt, ckpt.config.discriminator, ckpt.discriminator);
  }

  private p(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`Discriminator: no parameter '${name}'`);
    return t;
  }

  /** Parameters whose names pass `filter` (all by default), e.g. `n => n.startsWith('b4.')`. */
  parameters(filter: (name: string) => boolean = () => true): Tensor[] {
    return [...this.params].filter(([n]) => filter(n)).map(([, t]) => t);
  }

  /** Sets `requiresGrad` on the parameters whose names pass `filter`, and clears it on the rest. */
  setTrainable(filter: (name: string) => boolean): void {
    for (const [n, t] of this.params) t.requiresGrad = filter(n);
  }

  /**
   * img [N, imgChannels, R, R] (the generator's range, about [−1, 1]) → logits [N, 1].
   * N must be a multiple of min(mbstdGroupSize, N), as the official reshape requires.
   */
  forward(img: Tensor): Tensor {
    const { imgChannels: C, imgResolution: R, mbstdGroupSize, mbstdNumChannels } = this.config;
    if (img.rank !== 4 || img.shape[1] !== C || img.shape[2] !== R || img.shape[3] !== R) {
      throw new Error(`Discriminator: image must be [N, ${C}, ${R}, ${R}], got [${img.shape.join(', ')}]`);
    }
    const n = img.shape[0];
    const group = Math.min(mbstdGroupSize, n);
    if (n < 1 || n % group !== 0) {
      throw new Error(`Discriminator: batch ${n} is not a multiple of the minibatch-std group min(${mbstdGroupSize}, ${n}) = ${group} (image [${img.shape.join(', ')}])`);
    }
    let x = this.conv(`b${R}.fromrgb`, img, { act: 'lrelu' });
    for (const res of this.blockResolutions) {
      const p = `b${res}`;
      const y = this.conv(`${p}.skip`, x, { act: 'linear', down: true, gain: SQRT_HALF, bias: false, clamp: false });
      x = this.conv(`${p}.conv0`, x, { act: 'lrelu' });
      x = this.conv(`${p}.conv1`, x, { act: 'lrelu', down: true, gain: SQRT_HALF });
      x = add(y, x);
    }
    x = minibatchStd(x, { groupSize: mbstdGroupSize, numChannels: mbstdNumChannels });
    x = this.conv('b4.conv', x, { act: 'lrelu' });
    x = reshape(x, [n, -1]);
    x = biasAct(linear(x, this.p('b4.fc.weight'), undefined, { equalized: true }), this.p('b4.fc.bias'), { act: 'lrelu' });
    return linear(x, this.p('b4.out.weight'), this.p('b4.out.bias'), { equalized: true });
  }

  /** NVIDIA's Conv2dLayer: conv2d_resample (down 1 or 2) with weight gain 1/√(C_in·k²), then bias_act. */
  private conv(
    name: string,
    x: Tensor,
    opts: { act: 'lrelu' | 'linear'; down?: boolean; gain?: number; bias?: boolean; clamp?: boolean },
  ): Tensor {
    const w = this.p(`${name}.weight`);
    const [, cin, k] = w.shape;
    const gain = opts.gain ?? 1;
    const hasBias = opts.bias ?? true;
    const bias = hasBias ? this.p(`${name}.bias`) : null;
    const convClamp = (opts.clamp ?? true) ? this.config.convClamp : null;
    const clamp = convClamp === null ? undefined : convClamp * gain;
    const actGain = (opts.act === 'lrelu' ? Math.SQRT2 : 1) * gain;
    // A linear layer without bias or clamp takes its whole gain in the weight scale: one op less.
    const linearOnly = opts.act === 'linear' && !bias && clamp === undefined;
    const scaled = mulScalar(w, (linearOnly ? actGain : 1) / Math.sqrt(cin * k * k));
    let y: Tensor;
    if (!opts.down) y = conv2d(x, scaled, null, { padding: k >> 1 });
    else if (k === 1) y = conv2d(downsample2d(x, this.filter), scaled);
    else {
      // conv2d_resample, down 2, k > 1: blur with padding k//2 + (taps − 1)//2 before and k//2 + (taps − 2)//2
      // after (2 and 2 for the 4-tap filter), then the stride-2 conv without padding.
      const taps = RESAMPLE_TAPS.length;
      const p0 = (k >> 1) + ((taps - 1) >> 1);
      const p1 = (k >> 1) + ((taps - 2) >> 1);
      y = conv2d(upfirdn2d(x, this.filter, { padding: [p0, p1, p0, p1] }), scaled, null, { stride: 2 });
    }
    if (linearOnly) return y;
    return biasAct(y, bias, { act: opts.act, gain: actGain, clamp });
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

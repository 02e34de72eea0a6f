/**
 * A StyleGAN2 synthesis network whose layers take an overparameterised latent instead of one w per layer:
 *
 *  - `channel`: a latent matrix per layer, [N, O_l, w_dim] — one w per output channel, each mapped through
 *    the layer's own affine to that channel's style row (`overparamModulatedConv2d`);
 *  - `spatial`: a latent map per layer, [N, w_dim, h_l, w_l] — one w per input pixel, mapped through the affine
 *    as a 1×1 convolution (`spatialModulatedConv2d`). Maps are at the layer's input resolution up to
 *    `maxSpatialRes` (64) and nearest-upsampled beyond it: a full-resolution map of a 1024-px generator's last
 *    layers would hold 512 × 1024² values.
 *
 * It runs on a `Generator`'s own parameters (NVIDIA names, through `G.params`), so a checkpoint needs no
 * change, and with every row (or pixel) of a layer's latent equal to that layer's w it is exactly
 * `G.synthesis(ws)` (tested). The rest of the network — const input, noise, biases, clamps, the skip
 * ToRGB path with its 1/√C gain and no demodulation — is StyleGAN2's.
 */
import {
  type Tensor,
  add,
  biasAct,
  expand,
  linear,
  mul,
  mulScalar,
  permute,
  randomNormal,
  reshape,
  setupFilter,
  slice,
  upsample2d,
} from '@stylegpu/kernels';
import type { Generator, NoiseMode, SynthesisLayerInfo } from '@stylegpu/stylegan';
import { overparamModulatedConv2d } from './overparam-modulated-conv2d.js';
import { spatialModulatedConv2d } from './spatial-modulated-conv2d.js';

/** The two forms: a latent per output channel, or per input pixel. */
export const OVERPARAM_MODES = ['channel', 'spatial'] as const;
export type OverparamMode = (typeof OVERPARAM_MODES)[number];

/** Per layer (`b{res}.{conv0|conv1|torgb}`), its latent: [N, O, w_dim] (channel) or [N, w_dim, H, W] (spatial). */
export type OverparamLatent = Map<string, Tensor>;

export interface OverparamSynthesisOptions {
  noiseMode?: NoiseMode;
  noiseSeed?: number;
  /** Replaces `noise_const` maps by name (`b{res}.conv0`…), e.g. the projector's optimised ones ([res, res]). */
  noiseConst?: ReadonlyMap<string, Tensor>;
}

const FILTER = setupFilter([1, 3, 3, 1]);

export class OverparamSynthesis {
  constructor(
    readonly G: Generator,
    readonly mode: OverparamMode = 'channel',
    /** Largest side of a spatial latent map (larger layers upsample it, nearest). */
    readonly maxSpatialRes = 64,
  ) {}

  /** A layer's input resolution (conv0 up-samples from res/2). */
  static inputRes(l: SynthesisLayerInfo): number {
    return l.up === 2 ? l.res / 2 : l.res;
  }

  /** The shape of one layer's latent for a batch of n. */
  latentShape(l: SynthesisLayerInfo, n: number): number[] {
    const { wDim } = this.G.config;
    if (this.mode === 'channel') return [n, l.outChannels, wDim];
    const r = Math.min(OverparamSynthesis.inputRes(l), this.maxSpatialRes);
    return [n, wDim, r, r];
  }

  /** The latent equivalent to ws [N, numWs, w_dim]: each layer's w copied to every channel (or pixel). */
  fromWs(ws: Tensor): OverparamLatent {
    const [n, , wDim] = ws.shape;
    const out: OverparamLatent = new Map();
    for (const l of this.G.layers) {
      const w = reshape(slice(ws, [null, [l.wIndex, l.wIndex + 1]]), [n, 1, wDim]);
      if (this.mode === 'channel') out.set(l.name, expand(w, this.latentShape(l, n)));
      else out.set(l.name, expand(reshape(w, [n, wDim, 1, 1]), this.latentShape(l, n)));
    }
    return out;
  }

  /** A layer's styles: [N, O, I] (channel) or [N, I, H, W] (spatial). */
  styles(l: SynthesisLayerInfo, latent: Tensor): Tensor {
    const p = `synthesis.${l.name}.affine`;
    const weight = this.param(`${p}.weight`);
    const bias = this.param(`${p}.bias`);
    const shape = latent.shape;
    const want = this.latentShape(l, shape[0]);
    if (latent.rank !== want.length || shape.some((d, k) => d !== want[k])) {
      throw new Error(`OverparamSynthesis (${this.mode}): latent ${l.name} must be [${want.join(', ')}], got [${shape.join(', ')}]`);
    }
    if (this.mode === 'channel') {
      const [n, o, wDim] = shape;
      return reshape(linear(reshape(latent, [n * o, wDim]), weight, bias, { equalized: true }), [n, o, l.inChannels]);
    }
    const [n, wDim, h, w] = shape;
    const flat = reshape(permute(latent, [0, 2, 3, 1]), [n * h * w, wDim]);
    const map = permute(reshape(linear(flat, weight, bias, { equalized: true }), [n, h, w, l.inChannels]), [0, 3, 1, 2]);
    // The affine is per pixel, so upsampling its output equals applying it to the upsampled latent.
    const r = OverparamSynthesis.inputRes(l);
    if (h === r) return map;
    const f = r / h;
    const I = l.inChannels;
    return reshape(expand(reshape(map, [n, I, h, 1, w, 1]), [n, I, h, f, w, f]), [n, I, r, r]);
  }

  synthesize(latent: OverparamLatent, opts: OverparamSynthesisOptions = {}): Tensor {
    const G = this.G;
    const first = latent.get(G.layers[0].name);
    if (!first) throw new Error(`OverparamSynthesis: the latent has no ${G.layers[0].name}`);
    const n = first.shape[0];
    const clamp = G.config.synthesis.convClamp ?? undefined;
    const c4 = this.param('synthesis.b4.const');
    let x = expand(reshape(c4, [1, ...c4.shape]), [n, ...c4.shape]);
    let img: Tensor | null = null;
    let noiseIndex = 0;
    for (const l of G.layers) {
      const z = latent.get(l.name);
      if (!z) throw new Error(`OverparamSynthesis: the latent has no ${l.name}`);
      const s = this.styles(l, z);
      const p = `synthesis.${l.name}`;
      const weight = this.param(`${p}.weight`);
      if (l.kind === 'torgb') {
        const gained = mulScalar(s, 1 / Math.sqrt(l.inChannels));
        const opt = { demodulate: false, padding: 0 } as const;
        let y = this.mode === 'channel' ? overparamModulatedConv2d(x, weight, gained, opt) : spatialModulatedConv2d(x, weight, gained, opt);
        y = biasAct(y, this.param(`${p}.bias`), { act: 'linear', clamp });
        img = img ? add(upsample2d(img, FILTER), y) : y;
      } else {
        const opt = { demodulate: true, up: l.up, padding: 1, resampleFilter: FILTER };
        x = this.mode === 'channel' ? overparamModulatedConv2d(x, weight, s, opt) : spatialModulatedConv2d(x, weight, s, opt);
        const noise = this.noise(l, n, opts, noiseIndex++);
        if (noise) x = add(x, noise);
        x = biasAct(x, this.param(`${p}.bias`), { act: 'lrelu', clamp });
      }
    }
    return img!;
  }

  private noise(l: SynthesisLayerInfo, n: number, opts: OverparamSynthesisOptions, index: number): Tensor | null {
    const mode = opts.noiseMode ?? 'const';
    if (mode === 'none') return null;
    const strength = this.param(`synthesis.${l.name}.noise_strength`);
    if (mode === 'const') {
      const map = opts.noiseConst?.get(l.name) ?? this.param(`synthesis.${l.name}.noise_const`);
      return mul(reshape(map, [1, 1, l.res, l.res]), strength);
    }
    // As Generator's random noise (same stream layout), so the two agree for the same seed.
    const r = randomNormal(this.G.rt, [n, 1, l.res, l.res], { seed: opts.noiseSeed ?? 0, offset: index * 0x10000000 });
    return mul(r, strength);
  }

  private param(name: string): Tensor {
    const t = this.G.params.get(name);
    if (!t) throw new Error(`OverparamSynthesis: the generator has no parameter '${name}'`);
    return t;
  }
}

/**
 * StyleGAN2's generator with the semantics of NVIDIA's stylegan2-ada-pytorch `Generator`
 * (`training/networks.py`): a mapping network from Z (and a label) to W, and a synthesis network
 * with the `skip` ToRGB architecture that reads W+ (one w per layer) or StyleSpace S directly.
 *
 * Parameters are GPU tensors named as in `G_ema.state_dict()` (`mapping.fc0.weight`,
 * `synthesis.b64.conv1.affine.bias`, …), so methods freeze and train groups by name.
 */
import type { HostTensor } from '@stylegpu/io';
import {
  type FirFilter,
  type Runtime,
  type Tensor,
  add,
  biasAct,
  concat,
  expand,
  lerp,
  linear,
  mean,
  modulatedConv2d,
  mulScalar,
  randomNormal,
  reshape,
  rsqrt,
  addScalar,
  mul,
  setupFilter,
  slice,
  square,
  upsample2d,
} from '@stylegpu/kernels';
import { type GeneratorConfig, generatorShapes } from '../checkpoint/config.js';
import { type StyleGanCheckpoint, loadStyleGanCheckpoint } from '../checkpoint/load.js';
import { type SynthesisLayerInfo, synthesisLayers } from './layers.js';
import { uploadWeights } from './upload-weights.js';

export type NoiseMode = 'const' | 'random' | 'none';

export interface MappingOptions {
  /** Truncation ψ: w ← w_avg + ψ·(w − w_avg). 1 disables. */
  truncationPsi?: number;
  /** Truncate only the first `truncationCutoff` ws (null: all). */
  truncationCutoff?: number | null;
  /** One-hot (or soft) labels [N, cDim] for conditional models. */
  c?: Tensor;
}

export interface SynthesisOptions {
  noiseMode?: NoiseMode;
  /** Seed of the GPU noise generator for `noiseMode: 'random'`. */
  noiseSeed?: number;
}

/** StyleSpace: the affine outputs of every layer, keyed `b{res}.{conv0|conv1|torgb}`, each [N, C_in]. */
export type StyleSpace = Map<string, Tensor>;

/** The FIR filter every up-2 step uses: [1, 3, 3, 1] outer product, normalised. */
const RESAMPLE_TAPS = [1, 3, 3, 1];

export class Generator {
  readonly layers: readonly SynthesisLayerInfo[];
  readonly numWs: number;
  /** The largest tensor, in bytes, synthesis plans for: the adapter's per-binding limit (lower it to test the splitting). */
  maxBindingBytes: number;
  private readonly filter: FirFilter;

  private constructor(
    readonly rt: Runtime,
    readonly config: GeneratorConfig,
    /** Every parameter and buffer, NVIDIA-named, kept on the GPU until `dispose()`. */
    readonly params: Map<string, Tensor>,
  ) {
    this.layers = synthesisLayers(config);
    this.numWs = config.numWs;
    this.filter = setupFilter(RESAMPLE_TAPS);
    this.maxBindingBytes = rt.gpu.limits.maxStorageBufferBindingSize;
  }

  /**
   * Uploads weights (NVIDIA names, as the checkpoint loaders give them) for `config`. Every
   * expected tensor must be present with its exact shape; extras are an error too.
   */
  static fromWeights(rt: Runtime, config: GeneratorConfig, weights: ReadonlyMap<string, HostTensor>): Generator {
    const params = uploadWeights(rt, 'Generator', generatorShapes(config), weights);
    return new Generator(rt, config, params);
  }

  /** The generator of a checkpoint (NVIDIA .pkl, rosinality .pt or stylegpu .safetensors): bytes or a path. */
  static async load(rt: Runtime, source: Uint8Array | string | StyleGanCheckpoint): Promise<Generator> {
    const ckpt = typeof source === 'string' || source instanceof Uint8Array ? await loadStyleGanCheckpoint(source) : source;
    return Generator.fromWeights(rt, ckpt.config.generator, ckpt.generator);
  }

  private p(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`Generator: no parameter '${name}'`);
    return t;
  }

  /** Parameters whose names pass `filter` (all by default), e.g. `n => n.startsWith('synthesis.')`. */
  parameters(filter: (name: string) => boolean = () => true): Tensor[] {
    return [...this.params].filter(([n]) => filter(n)).map(([, t]) => t);
  }

  /** Sets `requiresGrad` on the parameters whose names pass `filter`, and clears it on the rest. */
  setTrainable(filter: (name: string) => boolean): void {
    for (const [n, t] of this.params) t.requiresGrad = filter(n) && !isBuffer(n);
  }

  // ------------------------------------------------------------------ mapping

  /** z [N, zDim] → ws [N, numWs, wDim]. */
  mapping(z: Tensor, opts: MappingOptions = {}): Tensor {
    const { zDim, wDim, cDim } = this.config;
    const { numLayers: mappingLayers, lrMultiplier: mappingLrMul } = this.config.mapping;
    if (z.rank !== 2 || z.shape[1] !== zDim) throw new Error(`mapping: z must be [N, ${zDim}], got [${z.shape.join(', ')}]`);
    const n = z.shape[0];
    let x = normalize2ndMoment(z);
    if (cDim > 0) {
      const c = opts.c;
      if (!c || c.rank !== 2 || c.shape[0] !== n || c.shape[1] !== cDim) {
        throw new Error(`mapping: this generator is conditional: pass c of shape [${n}, ${cDim}]`);
      }
      const y = normalize2ndMoment(linear(c, this.p('mapping.embed.weight'), this.p('mapping.embed.bias'), { equalized: true }));
      x = concat([x, y], 1);
    }
    for (let i = 0; i < mappingLayers; i++) {
      x = linear(x, this.p(`mapping.fc${i}.weight`), undefined, { equalized: true, lrMul: mappingLrMul });
      x = biasAct(x, mulScalar(this.p(`mapping.fc${i}.bias`), mappingLrMul), { act: 'lrelu' });
    }
    let ws = expand(reshape(x, [n, 1, wDim]), [n, this.numWs, wDim]);
    const psi = opts.truncationPsi ?? 1;
    if (psi !== 1) {
      const avg = reshape(this.p('mapping.w_avg'), [1, 1, wDim]);
      const cutoff = opts.truncationCutoff ?? null;
      if (cutoff === null || cutoff >= this.numWs) ws = lerp(avg, ws, this.rt.tensor([psi], [1]));
      else {
        const head = lerp(avg, slice(ws, [null, [0, cutoff]]), this.rt.tensor([psi], [1]));
        ws = concat([head, slice(ws, [null, [cutoff, this.numWs]])], 1);
      }
    }
    return ws;
  }

  // ------------------------------------------------------------------ StyleSpace

  /** ws [N, numWs, wDim] → StyleSpace: every layer's affine output. */
  styles(ws: Tensor): StyleSpace {
    this.checkWs(ws);
    const s: StyleSpace = new Map();
    for (const l of this.layers) {
      const w = reshape(slice(ws, [null, [l.wIndex, l.wIndex + 1]]), [ws.shape[0], this.config.wDim]);
      const p = `synthesis.${l.name}.affine`;
      s.set(l.name, linear(w, this.p(`${p}.weight`), this.p(`${p}.bias`), { equalized: true }));
    }
    return s;
  }

  // ------------------------------------------------------------------ synthesis

  /** ws [N, numWs, wDim] → image [N, imgChannels, resolution, resolution] in about [-1, 1]. */
  synthesis(ws: Tensor, opts: SynthesisOptions = {}): Tensor {
    return this.synthesisFromStyles(this.styles(ws), opts);
  }

  /** StyleSpace → image. Offsets added to S (StyleDomain, the navigator) go straight in here. */
  synthesisFromStyles(styles: StyleSpace, opts: SynthesisOptions = {}): Tensor {
    const noiseMode = opts.noiseMode ?? 'const';
    const first = styles.get('b4.conv1');
    if (!first) throw new Error('synthesis: StyleSpace has no b4.conv1');
    const n = first.shape[0];
    for (const l of this.layers) {
      const s = styles.get(l.name);
      if (!s || s.rank !== 2 || s.shape[0] !== n || s.shape[1] !== l.inChannels) {
        throw new Error(`synthesis: style ${l.name} must be [${n}, ${l.inChannels}], got ${s ? `[${s.shape.join(', ')}]` : 'nothing'}`);
      }
    }
    // One activation of a 1024-px generator is 128 MiB per sample — the per-binding limit of the
    // smaller runtimes. Batches are split so each part's tensors fit, and so are the output
    // channels of an up-conv whose (2H+1)² intermediate would not (the results are identical).
    const perSample = Math.max(...this.layers.map((l) => l.outChannels * l.res * l.res * 4));
    const chunk = Math.max(1, Math.floor(this.maxBindingBytes / perSample));
    if (n <= chunk) return this.synthesisPart(styles, 0, n, noiseMode, opts.noiseSeed ?? 0);
    const parts: Tensor[] = [];
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const part = new Map([...styles].map(([k, v]) => [k, slice(v, [[start, end]])]));
      parts.push(this.synthesisPart(part, start, end - start, noiseMode, opts.noiseSeed ?? 0));
    }
    return concat(parts, 0);
  }

  /** Synthesis of samples [start, start + n) of a batch (the start keeps random noise independent of the split). */
  private synthesisPart(styles: StyleSpace, start: number, n: number, noiseMode: NoiseMode, noiseSeed: number): Tensor {
    const c4 = this.p('synthesis.b4.const');
    let x = expand(reshape(c4, [1, ...c4.shape]), [n, ...c4.shape]);
    let img: Tensor | null = null;
    let noiseIndex = 0;
    for (const l of this.layers) {
      const s = styles.get(l.name)!;
      const p = `synthesis.${l.name}`;
      if (l.kind === 'torgb') {
        const gain = 1 / Math.sqrt(l.inChannels);
        let y = modulatedConv2d(x, this.p(`${p}.weight`), mulScalar(s, gain), { demodulate: false });
        y = biasAct(y, this.p(`${p}.bias`), { act: 'linear', clamp: this.config.synthesis.convClamp ?? undefined });
        img = img ? add(upsample2d(img, this.filter), y) : y;
      } else {
        const noise = this.noise(l, n, start, noiseMode, noiseSeed, noiseIndex++);
        const opts = { demodulate: true, up: l.up, padding: 1, resampleFilter: this.filter, flipWeight: l.up === 1, noise: noise ?? undefined };
        const weight = this.p(`${p}.weight`);
        // The up-conv's transposed-conv output is [n, O, 2H+1, 2W+1] before its FIR.
        const inter = n * (l.res + 1) * (l.res + 1) * 4;
        const fits = l.up === 2 ? Math.max(1, Math.floor(this.maxBindingBytes / inter)) : l.outChannels;
        // Equal chunks (128 channels that fit 126 at a time run as 64 + 64, not 126 + 2).
        const perChunk = Math.ceil(l.outChannels / Math.ceil(l.outChannels / fits));
        if (perChunk >= l.outChannels) x = modulatedConv2d(x, weight, s, opts);
        else {
          const outs: Tensor[] = [];
          for (let o = 0; o < l.outChannels; o += perChunk) {
            outs.push(modulatedConv2d(x, slice(weight, [[o, Math.min(l.outChannels, o + perChunk)]]), s, opts));
          }
          x = concat(outs, 1);
        }
        x = biasAct(x, this.p(`${p}.bias`), { act: 'lrelu', clamp: this.config.synthesis.convClamp ?? undefined });
      }
    }
    return img!;
  }

  /** The per-layer noise, already multiplied by its strength ([N or 1, 1, res, res]), or null. */
  private noise(l: SynthesisLayerInfo, n: number, start: number, mode: NoiseMode, seed: number, index: number): Tensor | null {
    if (mode === 'none') return null;
    const strength = this.p(`synthesis.${l.name}.noise_strength`);
    if (mode === 'const') return mul(reshape(this.p(`synthesis.${l.name}.noise_const`), [1, 1, l.res, l.res]), strength);
    const r = randomNormal(this.rt, [n, 1, l.res, l.res], { seed, offset: index * 0x10000000 + start * l.res * l.res });
    return mul(r, strength);
  }

  /** z → image, with the mapping and synthesis options together. */
  forward(z: Tensor, opts: MappingOptions & SynthesisOptions = {}): Tensor {
    return this.synthesis(this.mapping(z, opts), opts);
  }

  private checkWs(ws: Tensor): void {
    if (ws.rank !== 3 || ws.shape[1] !== this.numWs || ws.shape[2] !== this.config.wDim) {
      throw new Error(`synthesis: ws must be [N, ${this.numWs}, ${this.config.wDim}], got [${ws.shape.join(', ')}]`);
    }
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Buffers (not trainable): w_avg, the constant noise maps. */
function isBuffer(name: string): boolean {
  return name.endsWith('w_avg') || name.endsWith('noise_const') || name.endsWith('resample_filter');
}

/** x · rsqrt(mean(x², dim 1) + 1e-8), StyleGAN's z normalisation. */
export function normalize2ndMoment(x: Tensor): Tensor {
  return mul(x, rsqrt(addScalar(mean(square(x), 1, true), 1e-8)));
}

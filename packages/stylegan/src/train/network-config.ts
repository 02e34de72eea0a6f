/**
 * The generator and discriminator configuration of a training run from scratch, built the way
 * NVIDIA's training scripts build theirs (stylegan2-ada-pytorch `train.py`, whose `--cbase`,
 * `--cmax`, `--map` and `--mbstd-group` flags stylegan3's `train.py` names): every block
 * resolution r gets min(channel_base / r, channel_max) channels (integer division), in G and in
 * D alike, with the same conv clamp on both; the mapping network has `mappingLayers` FC layers of
 * width w_dim and learning-rate multiplier 0.01.
 */
import { type DiscriminatorConfig, type GeneratorConfig, DEFAULTS, blockResolutions, isPowerOfTwoResolution, numWsFor } from '../checkpoint/config.js';

export interface NetworkOptions {
  /** Image side in pixels: a power of two, at least 8 (D needs one block above its 4×4 epilogue). */
  resolution: number;
  /** NVIDIA `channel_base` (`--cbase`): channels at resolution r are channel_base / r, capped. Default 32768. */
  channelBase?: number;
  /** NVIDIA `channel_max` (`--cmax`). Default 512. */
  channelMax?: number;
  zDim?: number;
  wDim?: number;
  /** FC layers of the mapping network (`--map`). Default 8, StyleGAN2's. */
  mappingLayers?: number;
  /** Clamp of conv outputs, as every ADA config sets (256); null for none. */
  convClamp?: number | null;
  /** Minibatch-std group size of D's epilogue (`--mbstd-group`). Default 4. */
  mbstdGroup?: number;
  imgChannels?: number;
}

export interface NetworkConfigs {
  generator: GeneratorConfig;
  discriminator: DiscriminatorConfig;
}

const WHO = 'networkConfig';

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${WHO}: ${what} must be a positive integer, got ${value}`);
  return value;
}

export function networkConfig(o: NetworkOptions): NetworkConfigs {
  const R = o.resolution;
  if (!isPowerOfTwoResolution(R) || R < 8) throw new Error(`${WHO}: resolution must be a power of two ≥ 8, got ${R}`);
  const base = positiveInt(o.channelBase ?? 32768, 'channel base (--cbase)');
  const max = positiveInt(o.channelMax ?? 512, 'channel max (--cmax)');
  const zDim = positiveInt(o.zDim ?? 512, 'z dim');
  const wDim = positiveInt(o.wDim ?? 512, 'w dim');
  const mappingLayers = positiveInt(o.mappingLayers ?? 8, 'mapping layers (--map)');
  const mbstdGroup = positiveInt(o.mbstdGroup ?? DEFAULTS.mbstdGroupSize, 'minibatch-std group (--mbstd-group)');
  const imgChannels = o.imgChannels ?? 3;
  if (imgChannels !== 1 && imgChannels !== 3) throw new Error(`${WHO}: images must have 1 or 3 channels, got ${imgChannels}`);
  const convClamp = o.convClamp === undefined ? 256 : o.convClamp;
  if (convClamp !== null && !(convClamp > 0)) throw new Error(`${WHO}: conv clamp must be positive or null, got ${convClamp}`);

  const channels: Record<string, number> = {};
  for (const r of blockResolutions(R)) {
    const c = Math.min(Math.floor(base / r), max);
    if (c < 1) throw new Error(`${WHO}: channel base ${base} leaves no channels at resolution ${r} (base / ${r} < 1); raise --cbase`);
    channels[String(r)] = c;
  }
  const generator: GeneratorConfig = {
    zDim,
    wDim,
    cDim: 0,
    imgResolution: R,
    imgChannels,
    numWs: numWsFor(R),
    mapping: { numLayers: mappingLayers, lrMultiplier: DEFAULTS.mappingLrMultiplier, layerFeatures: wDim, embedFeatures: 0, wAvgBeta: DEFAULTS.wAvgBeta },
    synthesis: { channels: { ...channels }, convClamp, architecture: 'skip', numFp16Res: 0 },
  };
  const discriminator: DiscriminatorConfig = {
    cDim: 0,
    imgResolution: R,
    imgChannels,
    channels: { ...channels },
    convClamp,
    architecture: 'resnet',
    mbstdGroupSize: mbstdGroup,
    mbstdNumChannels: DEFAULTS.mbstdNumChannels,
  };
  return { generator, discriminator };
}

/**
 * The StyleGAN2 configuration a checkpoint implies, and the exact tensor names and shapes that configuration has
 * in the one internal naming: NVIDIA stylegan2-ada-pytorch's `G_ema.state_dict()` / `D.state_dict()` names
 * (training/networks.py), in the order `state_dict()` lists them.
 *
 * Generator (architecture 'skip', NVIDIA's default and the only one rosinality has):
 *   synthesis.b4.const [C4,4,4]; synthesis.b{r}.resample_filter [4,4];
 *   synthesis.b{r}.conv{0,1}.{weight [C_out,C_in,3,3], noise_strength [], bias [C_out], resample_filter [4,4],
 *     noise_const [r,r], affine.weight [C_in,w_dim], affine.bias [C_in]} (b4 has conv1 only);
 *   synthesis.b{r}.torgb.{weight [img_ch,C_r,1,1], bias [img_ch], affine.weight [C_r,w_dim], affine.bias [C_r]};
 *   mapping.w_avg [w_dim]; mapping.embed.{weight,bias} when c_dim > 0; mapping.fc{i}.{weight [out,in], bias}.
 * Discriminator (architecture 'resnet', NVIDIA's default and rosinality's):
 *   b{r}.resample_filter; b{R}.fromrgb.*; b{r}.conv0 (3x3), b{r}.conv1 (3x3 down), b{r}.skip (1x1 down, no bias),
 *   each conv with its resample_filter; b4.conv [C4, C4+1, 3, 3], b4.fc [C4, 16·C4], b4.out [1, C4].
 */

export type CheckpointLayout = 'nvidia-pkl' | 'rosinality-pt' | 'stylegpu';

export interface GeneratorConfig {
  zDim: number;
  wDim: number;
  cDim: number;
  imgResolution: number;
  imgChannels: number;
  /** Number of ws the synthesis network takes: 2·log2(resolution) − 2. */
  numWs: number;
  mapping: {
    numLayers: number;
    /** Learning-rate multiplier of the FC layers: runtime weight gain lr/√in, bias gain lr. */
    lrMultiplier: number;
    /** Width of the hidden FC layers (NVIDIA `layer_features`, w_dim by default). */
    layerFeatures: number;
    /** Label embedding width (0 when unconditional). */
    embedFeatures: number;
    /** EMA rate of w_avg during training; null when the checkpoint does not say. */
    wAvgBeta: number | null;
  };
  synthesis: {
    /** Channels per block resolution (keys '4', '8', …). */
    channels: Record<string, number>;
    /** Clamp of conv outputs (NVIDIA `conv_clamp`; 256 in ADA configs); null for none. */
    convClamp: number | null;
    architecture: 'skip';
    /** Blocks NVIDIA ran in fp16 (affects nothing here; kept for export). */
    numFp16Res: number;
  };
}

export interface DiscriminatorConfig {
  cDim: number;
  imgResolution: number;
  imgChannels: number;
  channels: Record<string, number>;
  convClamp: number | null;
  architecture: 'resnet';
  mbstdGroupSize: number;
  mbstdNumChannels: number;
}

export interface StyleGanConfig {
  generator: GeneratorConfig;
  discriminator?: DiscriminatorConfig;
  /** The layout of the file these weights were read from. */
  layout: CheckpointLayout;
  /** For a stylegpu file: the layout its weights were originally read from. */
  source?: CheckpointLayout;
}

/** Documented defaults (train.py / networks.py) for what tensor shapes cannot tell. */
export const DEFAULTS = {
  mappingLrMultiplier: 0.01,
  wAvgBeta: 0.995,
  mbstdGroupSize: 4,
  mbstdNumChannels: 1,
} as const;

export type ShapeTable = Map<string, number[]>;

export function isPowerOfTwoResolution(r: number): boolean {
  return Number.isInteger(r) && r >= 4 && (r & (r - 1)) === 0;
}

export function blockResolutions(resolution: number): number[] {
  const out: number[] = [];
  for (let r = 4; r <= resolution; r *= 2) out.push(r);
  return out;
}

function channelsAt(channels: Record<string, number>, res: number, what: string): number {
  const c = channels[String(res)];
  if (!Number.isInteger(c) || c <= 0) throw new Error(`${what}: no channel count for resolution ${res}`);
  return c;
}

/** Every generator tensor with its shape, in `G_ema.state_dict()` order (synthesis first, as NVIDIA builds it). */
export function generatorShapes(g: GeneratorConfig, options: { withWAvg?: boolean } = {}): ShapeTable {
  const what = 'generator config';
  const t: ShapeTable = new Map();
  const filter = [4, 4];
  for (const res of blockResolutions(g.imgResolution)) {
    const out = channelsAt(g.synthesis.channels, res, what);
    const p = `synthesis.b${res}`;
    if (res === 4) t.set(`${p}.const`, [out, 4, 4]);
    t.set(`${p}.resample_filter`, filter);
    const layers: Array<[string, number]> = res === 4 ? [['conv1', out]] : [['conv0', channelsAt(g.synthesis.channels, res / 2, what)], ['conv1', out]];
    for (const [name, inCh] of layers) {
      t.set(`${p}.${name}.weight`, [out, inCh, 3, 3]);
      t.set(`${p}.${name}.noise_strength`, []);
      t.set(`${p}.${name}.bias`, [out]);
      t.set(`${p}.${name}.resample_filter`, filter);
      t.set(`${p}.${name}.noise_const`, [res, res]);
      t.set(`${p}.${name}.affine.weight`, [inCh, g.wDim]);
      t.set(`${p}.${name}.affine.bias`, [inCh]);
    }
    t.set(`${p}.torgb.weight`, [g.imgChannels, out, 1, 1]);
    t.set(`${p}.torgb.bias`, [g.imgChannels]);
    t.set(`${p}.torgb.affine.weight`, [out, g.wDim]);
    t.set(`${p}.torgb.affine.bias`, [out]);
  }
  if (options.withWAvg !== false) t.set('mapping.w_avg', [g.wDim]);
  const m = g.mapping;
  if (g.cDim > 0) {
    t.set('mapping.embed.weight', [m.embedFeatures, g.cDim]);
    t.set('mapping.embed.bias', [m.embedFeatures]);
  }
  for (let i = 0; i < m.numLayers; i++) {
    const inF = i === 0 ? g.zDim + m.embedFeatures : m.layerFeatures;
    const outF = i === m.numLayers - 1 ? g.wDim : m.layerFeatures;
    t.set(`mapping.fc${i}.weight`, [outF, inF]);
    t.set(`mapping.fc${i}.bias`, [outF]);
  }
  return t;
}

/** Every discriminator tensor with its shape, in `D.state_dict()` order. */
export function discriminatorShapes(d: DiscriminatorConfig): ShapeTable {
  const what = 'discriminator config';
  if (d.cDim > 0) throw new Error('discriminator config: conditional discriminators (c_dim > 0) are not supported');
  const t: ShapeTable = new Map();
  const filter = [4, 4];
  for (const res of blockResolutions(d.imgResolution).reverse()) {
    if (res === 4) break;
    const tmp = channelsAt(d.channels, res, what);
    const out = channelsAt(d.channels, res / 2, what);
    const p = `b${res}`;
    t.set(`${p}.resample_filter`, filter);
    if (res === d.imgResolution) {
      t.set(`${p}.fromrgb.weight`, [tmp, d.imgChannels, 1, 1]);
      t.set(`${p}.fromrgb.bias`, [tmp]);
      t.set(`${p}.fromrgb.resample_filter`, filter);
    }
    t.set(`${p}.conv0.weight`, [tmp, tmp, 3, 3]);
    t.set(`${p}.conv0.bias`, [tmp]);
    t.set(`${p}.conv0.resample_filter`, filter);
    t.set(`${p}.conv1.weight`, [out, tmp, 3, 3]);
    t.set(`${p}.conv1.bias`, [out]);
    t.set(`${p}.conv1.resample_filter`, filter);
    t.set(`${p}.skip.weight`, [out, tmp, 1, 1]);
    t.set(`${p}.skip.resample_filter`, filter);
  }
  const c4 = channelsAt(d.channels, 4, what);
  t.set('b4.conv.weight', [c4, c4 + d.mbstdNumChannels, 3, 3]);
  t.set('b4.conv.bias', [c4]);
  t.set('b4.conv.resample_filter', filter);
  t.set('b4.fc.weight', [c4, c4 * 16]);
  t.set('b4.fc.bias', [c4]);
  t.set('b4.out.weight', [1, c4]);
  t.set('b4.out.bias', [1]);
  return t;
}

export function numWsFor(resolution: number): number {
  return 2 * Math.log2(resolution) - 2;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * rosinality stylegan2-pytorch names ↔ the internal (NVIDIA) names (research notes methods.md §D.1, §D.2;
 * rosinality `model.py` module layout, `convert_weight.py`).
 *
 * Every rosinality tensor is an internal tensor reshaped and possibly scaled:
 * - modulated conv weights carry a leading batch axis of 1 ([1, O, I, k, k]), the const input is [1, C, 4, 4],
 *   noise strengths are [1] (NVIDIA: scalar []), noise maps [1, 1, r, r] (NVIDIA: [r, r]), ToRGB biases [1, C, 1, 1];
 * - the FIR buffers of upsampling layers (`convs.{2k}.conv.blur.kernel`, `to_rgbs.{k}.upsample.kernel`) are NVIDIA's
 *   normalised `resample_filter` × 4 (Blur/Upsample with factor 2 fold the gain in); the discriminator's
 *   downsampling kernels are stored unscaled;
 * - modulation biases are stored with their +1 initialisation in both (NVIDIA's affine bias_init=1), so they copy as is.
 * Noise index: `noises.noise_0` is b4.conv1's map, `noises.noise_{i+1}` belongs to `convs.{i}`.
 * NVIDIA buffers rosinality does not have (the filters of layers that do not resample) get the default filter.
 */

import { DEFAULTS, blockResolutions, type DiscriminatorConfig, type GeneratorConfig } from './config.js';

export interface NamePair {
  internal: string;
  rosinality: string;
  /** rosinality value = internal value × scale (then reshaped to the rosinality shape). */
  scale: number;
  /** Shape in the rosinality file. */
  rosinalityShape: number[];
}

/** Internal tensors with no rosinality counterpart; their value is the default [1,3,3,1] filter. */
export interface NameMapping {
  pairs: NamePair[];
  defaultFilters: string[];
}

export function generatorNameMapping(g: GeneratorConfig, internalShapes: Map<string, number[]>): NameMapping {
  const pairs: NamePair[] = [];
  const shapeOf = (name: string): number[] => {
    const s = internalShapes.get(name);
    if (!s) throw new Error(`rosinality mapping: internal tensor '${name}' is not in the generator's shape table`);
    return s;
  };
  const add = (internal: string, rosinality: string, reshape: (s: number[]) => number[] = (s) => s, scale = 1) =>
    pairs.push({ internal, rosinality, scale, rosinalityShape: reshape(shapeOf(internal)) });
  const lead1 = (s: number[]) => [1, ...s];

  for (let i = 0; i < g.mapping.numLayers; i++) {
    add(`mapping.fc${i}.weight`, `style.${i + 1}.weight`);
    add(`mapping.fc${i}.bias`, `style.${i + 1}.bias`);
  }
  if (g.cDim > 0) throw new Error('rosinality layout: conditional generators (c_dim > 0) have no rosinality form');
  add('synthesis.b4.const', 'input.input', lead1);

  const styled = (ros: string, internal: string, blur: boolean) => {
    add(`${internal}.weight`, `${ros}.conv.weight`, lead1);
    if (blur) add(`${internal}.resample_filter`, `${ros}.conv.blur.kernel`, undefined, 4);
    add(`${internal}.affine.weight`, `${ros}.conv.modulation.weight`);
    add(`${internal}.affine.bias`, `${ros}.conv.modulation.bias`);
    add(`${internal}.noise_strength`, `${ros}.noise.weight`, () => [1]);
    add(`${internal}.bias`, `${ros}.activate.bias`);
  };
  const toRgb = (ros: string, internal: string, upsampleFilter: string | null) => {
    add(`${internal}.bias`, `${ros}.bias`, (s) => [1, s[0], 1, 1]);
    if (upsampleFilter) add(upsampleFilter, `${ros}.upsample.kernel`, undefined, 4);
    add(`${internal}.weight`, `${ros}.conv.weight`, lead1);
    add(`${internal}.affine.weight`, `${ros}.conv.modulation.weight`);
    add(`${internal}.affine.bias`, `${ros}.conv.modulation.bias`);
  };

  const upRes = blockResolutions(g.imgResolution).slice(1);
  styled('conv1', 'synthesis.b4.conv1', false);
  toRgb('to_rgb1', 'synthesis.b4.torgb', null);
  upRes.forEach((res, k) => {
    styled(`convs.${2 * k}`, `synthesis.b${res}.conv0`, true);
    styled(`convs.${2 * k + 1}`, `synthesis.b${res}.conv1`, false);
  });
  upRes.forEach((res, k) => toRgb(`to_rgbs.${k}`, `synthesis.b${res}.torgb`, `synthesis.b${res}.resample_filter`));
  const noiseLayers = ['synthesis.b4.conv1', ...upRes.flatMap((r) => [`synthesis.b${r}.conv0`, `synthesis.b${r}.conv1`])];
  noiseLayers.forEach((layer, n) => add(`${layer}.noise_const`, `noises.noise_${n}`, (s) => [1, 1, ...s]));

  const mapped = new Set(pairs.map((p) => p.internal));
  const defaultFilters = [...internalShapes.keys()].filter((k) => k.endsWith('resample_filter') && !mapped.has(k));
  return { pairs, defaultFilters };
}

export function discriminatorNameMapping(d: DiscriminatorConfig, internalShapes: Map<string, number[]>): NameMapping {
  const pairs: NamePair[] = [];
  const add = (internal: string, rosinality: string) => {
    const s = internalShapes.get(internal);
    if (!s) throw new Error(`rosinality mapping: internal tensor '${internal}' is not in the discriminator's shape table`);
    pairs.push({ internal, rosinality, scale: 1, rosinalityShape: s });
  };
  const top = `b${d.imgResolution}`;
  add(`${top}.fromrgb.weight`, 'convs.0.0.weight');
  add(`${top}.fromrgb.bias`, 'convs.0.1.bias');
  blockResolutions(d.imgResolution)
    .slice(1)
    .reverse()
    .forEach((res, i) => {
      const j = i + 1;
      const p = `b${res}`;
      add(`${p}.conv0.weight`, `convs.${j}.conv1.0.weight`);
      add(`${p}.conv0.bias`, `convs.${j}.conv1.1.bias`);
      add(`${p}.conv1.resample_filter`, `convs.${j}.conv2.0.kernel`);
      add(`${p}.conv1.weight`, `convs.${j}.conv2.1.weight`);
      add(`${p}.conv1.bias`, `convs.${j}.conv2.2.bias`);
      add(`${p}.skip.resample_filter`, `convs.${j}.skip.0.kernel`);
      add(`${p}.skip.weight`, `convs.${j}.skip.1.weight`);
    });
  add('b4.conv.weight', 'final_conv.0.weight');
  add('b4.conv.bias', 'final_conv.1.bias');
  add('b4.fc.weight', 'final_linear.0.weight');
  add('b4.fc.bias', 'final_linear.0.bias');
  add('b4.out.weight', 'final_linear.1.weight');
  add('b4.out.bias', 'final_linear.1.bias');
  const mapped = new Set(pairs.map((p) => p.internal));
  const defaultFilters = [...internalShapes.keys()].filter((k) => k.endsWith('resample_filter') && !mapped.has(k));
  return { pairs, defaultFilters };
}

/** The generator config rosinality's tensor shapes imply (rosinality has no conv clamp; lr_mlp defaults to 0.01). */
export function inferRosinalityGenerator(shapes: Map<string, number[]>): GeneratorConfig {
  const need = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new Error(`rosinality generator: key '${name}' is missing (needed to infer the configuration)`);
    return s;
  };
  let numLayers = 0;
  while (shapes.has(`style.${numLayers + 1}.weight`)) numLayers++;
  if (numLayers === 0) need('style.1.weight');
  let numConvs = 0;
  while (shapes.has(`convs.${numConvs}.conv.weight`)) numConvs++;
  if (numConvs % 2 !== 0) throw new Error(`rosinality generator: ${numConvs} convs.* layers; expected two per resolution`);
  const imgResolution = 2 ** (numConvs / 2 + 2);
  const channels: Record<string, number> = { 4: need('conv1.conv.weight')[1] };
  blockResolutions(imgResolution)
    .slice(1)
    .forEach((res, k) => {
      channels[res] = need(`convs.${2 * k}.conv.weight`)[1];
    });
  const first = need('style.1.weight');
  const last = need(`style.${numLayers}.weight`);
  return {
    zDim: first[1],
    wDim: last[0],
    cDim: 0,
    imgResolution,
    imgChannels: need('to_rgb1.conv.weight')[1],
    numWs: 2 * Math.log2(imgResolution) - 2,
    mapping: { numLayers, lrMultiplier: DEFAULTS.mappingLrMultiplier, layerFeatures: numLayers > 1 ? first[0] : last[0], embedFeatures: 0, wAvgBeta: null },
    synthesis: { channels, convClamp: null, architecture: 'skip', numFp16Res: 0 },
  };
}

export function inferRosinalityDiscriminator(shapes: Map<string, number[]>): DiscriminatorConfig {
  const need = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new Error(`rosinality discriminator: key '${name}' is missing (needed to infer the configuration)`);
    return s;
  };
  let blocks = 0;
  while (shapes.has(`convs.${blocks + 1}.conv1.0.weight`)) blocks++;
  const imgResolution = 4 * 2 ** blocks;
  const fromRgb = need('convs.0.0.weight');
  const channels: Record<string, number> = { [imgResolution]: fromRgb[0] };
  for (let j = 1; j <= blocks; j++) channels[imgResolution / 2 ** j] = need(`convs.${j}.conv2.1.weight`)[0];
  const finalConv = need('final_conv.0.weight');
  return {
    cDim: 0,
    imgResolution,
    imgChannels: fromRgb[1],
    channels,
    convClamp: null,
    architecture: 'resnet',
    mbstdGroupSize: 4,
    mbstdNumChannels: finalConv[1] - finalConv[0],
  };
}

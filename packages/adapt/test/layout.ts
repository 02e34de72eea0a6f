/** Generator layouts for the tests, built from @stylegpu/stylegan's own config and name tables. */
import { type GeneratorConfig, blockResolutions, generatorShapes, numWsFor } from '@stylegpu/stylegan';

/** config-f channel counts (min(32768 / r, 512) · width scale), `mappingLayers` FC layers. */
export function generatorConfig(resolution: number, mappingLayers = 8, channelScale = 1): GeneratorConfig {
  const channels: Record<string, number> = {};
  for (const r of blockResolutions(resolution)) channels[String(r)] = Math.max(1, Math.floor(Math.min(32768 / r, 512) * channelScale));
  const wDim = Math.max(1, Math.floor(512 * channelScale));
  return {
    zDim: wDim,
    wDim,
    cDim: 0,
    imgResolution: resolution,
    imgChannels: 3,
    numWs: numWsFor(resolution),
    mapping: { numLayers: mappingLayers, lrMultiplier: 0.01, layerFeatures: wDim, embedFeatures: 0, wAvgBeta: 0.995 },
    synthesis: { channels, convClamp: null, architecture: 'skip', numFp16Res: 0 },
  };
}

/** Every generator tensor name (parameters and buffers) of that layout. */
export function parameterNames(config: GeneratorConfig): string[] {
  return [...generatorShapes(config).keys()];
}

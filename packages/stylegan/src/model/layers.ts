/**
 * The synthesis network's layers in forward order, with the W+ index each one reads.
 *
 * NVIDIA's SynthesisNetwork advances its w index by the number of convs per block, not convs +
 * ToRGB, so a block's ToRGB shares the w of the next block's conv0:
 *   b4.conv1 ← w0, b4.torgb ← w1, b8.conv0 ← w1, b8.conv1 ← w2, b8.torgb ← w3, b16.conv0 ← w3, …
 * (rosinality's forward with W+ uses the same assignment.)
 */
import { type GeneratorConfig, blockResolutions } from '../checkpoint/config.js';

export type LayerKind = 'conv0' | 'conv1' | 'torgb';

export interface SynthesisLayerInfo {
  /** `b{res}.{conv0|conv1|torgb}` — the parameter prefix under `synthesis.`, and the StyleSpace key. */
  name: string;
  res: number;
  kind: LayerKind;
  inChannels: number;
  outChannels: number;
  /** Index into W+. */
  wIndex: number;
  /** conv0 of every block but b4 upsamples by 2. */
  up: 1 | 2;
}

export function synthesisLayers(config: GeneratorConfig): SynthesisLayerInfo[] {
  const ch = (res: number) => config.synthesis.channels[String(res)];
  const layers: SynthesisLayerInfo[] = [];
  let w = 0;
  for (const res of blockResolutions(config.imgResolution)) {
    const out = ch(res);
    if (res === 4) {
      layers.push({ name: 'b4.conv1', res, kind: 'conv1', inChannels: out, outChannels: out, wIndex: w, up: 1 });
      layers.push({ name: 'b4.torgb', res, kind: 'torgb', inChannels: out, outChannels: config.imgChannels, wIndex: w + 1, up: 1 });
      w += 1;
    } else {
      layers.push({ name: `b${res}.conv0`, res, kind: 'conv0', inChannels: ch(res / 2), outChannels: out, wIndex: w, up: 2 });
      layers.push({ name: `b${res}.conv1`, res, kind: 'conv1', inChannels: out, outChannels: out, wIndex: w + 1, up: 1 });
      layers.push({ name: `b${res}.torgb`, res, kind: 'torgb', inChannels: out, outChannels: config.imgChannels, wIndex: w + 2, up: 1 });
      w += 2;
    }
  }
  return layers;
}

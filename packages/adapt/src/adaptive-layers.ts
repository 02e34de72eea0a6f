/**
 * StyleGAN-NADA's adaptive layer selection (`ZSSGAN.py::ZSSGAN.determine_opt_layers`), as
 * functions. The caller runs the loop: copy W+ (the frozen mapping's w repeated `numWs` times),
 * take `auto_layer_iters` SGD(lr 0.01) steps on the global CLIP loss of the trainable generator,
 * and hands the W+ before and after to `adaptiveLayerFilter`, which
 *
 *   1. scores each W+ index by mean_batch mean_dim |W+_after − W+_before|   (`layer_weights`)
 *   2. takes the top k indices                                              (`torch.topk`)
 *   3. maps them to the layers that read them, and returns a filter over those layers' parameters.
 *
 * The official index → layer map is `[conv1, to_rgb1] + convs`: index 0 → conv1, 1 → to_rgb1,
 * i ≥ 2 → convs[i − 2]. The forward pass consumes W+ differently (rosinality `forward_with_w`,
 * NVIDIA's SynthesisNetwork): conv1 ← w0, to_rgb1 and convs[0] ← w1, convs[j] ← w[j + 1], so the
 * official map is one index off for every i ≥ 1 (it trains convs[i − 2], which reads w[i − 1]).
 * Here the default (`indexMapping: 'forward'`) selects the layers whose `wIndex` is the chosen
 * index, from `synthesisLayers(config)`; `'official'` reproduces the published code.
 *
 * ToRGB layers: the official code comments out their addition (only to_rgb1 slips in, through
 * index 1 of its map), so by default only convs are selected; `includeToRgb` adds the ToRGB layers
 * reading a chosen index. An index read only by a ToRGB (the last one) then selects nothing.
 * The official code frees the chosen layers without intersecting them with `--phase`.
 */
import { abs, formatShape, mean, sub, type Tensor } from '@stylegpu/kernels';
import { type ParamFilter, parseParamName } from './phases.js';

/** What this needs of a synthesis layer; `SynthesisLayerInfo` from @stylegpu/stylegan fits. */
export interface WPlusLayer {
  /** `b{res}.{conv0|conv1|torgb}`, the parameter prefix under `synthesis.`. */
  name: string;
  kind: 'conv0' | 'conv1' | 'torgb';
  wIndex: number;
}

export interface AdaptiveLayerOptions {
  /** 'forward' (default): the layers that read the index; 'official': NADA's `[conv1, to_rgb1] + convs`. */
  indexMapping?: 'forward' | 'official';
  /** Also select the ToRGB layers reading a chosen index (forward mapping only). Default false. */
  includeToRgb?: boolean;
}

export interface AdaptiveLayerChoice {
  /** Mean absolute change per W+ index, [numWs]. */
  scores: Float32Array;
  /** The top-k W+ indices, largest change first (ties: lower index first). */
  indices: number[];
  /** The selected layer names (`b8.conv0`, …), in the order of `indices`. */
  layers: string[];
  /** Trains exactly the selected layers' parameters. */
  filter: ParamFilter;
}

/** mean over batch and width of |after − before|: [numWs]. W+ tensors are [N, numWs, D]. */
export function wPlusChange(before: Tensor, after: Tensor): Tensor {
  const shapes = `before ${formatShape(before.shape)}, after ${formatShape(after.shape)}`;
  before.assertLive('wPlusChange');
  after.assertLive('wPlusChange');
  if (before.rank !== 3 || before.shape.some((d) => d === 0)) throw new Error(`wPlusChange: W+ must be a non-empty [N, numWs, D] tensor (${shapes})`);
  if (after.rank !== 3 || after.shape.some((d, i) => d !== before.shape[i])) throw new Error(`wPlusChange: before and after must have the same shape (${shapes})`);
  return before.rt.noGrad(() => mean(abs(sub(after, before)), [0, 2]));
}

/** The k largest scores' indices, largest first; ties go to the lower index. */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0 || k > scores.length) {
    throw new Error(`topIndices: k must be an integer in [0, ${scores.length}] for ${scores.length} W+ indices, got ${k}`);
  }
  const order = Array.from(scores, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k);
}

/** Layer names selected for the chosen W+ indices (see the module comment for both mappings). */
export function layersForWIndices(indices: readonly number[], layers: readonly WPlusLayer[], opts: AdaptiveLayerOptions = {}): string[] {
  const mapping = opts.indexMapping ?? 'forward';
  if (mapping !== 'forward' && mapping !== 'official') throw new Error(`layersForWIndices: unknown indexMapping '${String(mapping)}'; expected 'forward' or 'official'`);
  if (mapping === 'official' && opts.includeToRgb) throw new Error(`layersForWIndices: includeToRgb applies to the forward mapping only (the official map has none but to_rgb1)`);
  const numWs = checkLayers('layersForWIndices', layers);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= numWs) throw new Error(`layersForWIndices: W+ index ${i} is out of range for ${numWs} ws`);
  }
  const out: string[] = [];
  const push = (name: string) => {
    if (!out.includes(name)) out.push(name);
  };
  if (mapping === 'official') {
    // [conv1, to_rgb1] + convs, convs in forward order (b8.conv0, b8.conv1, b16.conv0, …).
    const convs = layers.filter((l) => l.kind !== 'torgb' && l.name !== 'b4.conv1').map((l) => l.name);
    const table = ['b4.conv1', 'b4.torgb', ...convs];
    for (const i of indices) push(table[i]);
    return out;
  }
  for (const i of indices) {
    for (const l of layers) if (l.wIndex === i && (l.kind !== 'torgb' || opts.includeToRgb)) push(l.name);
  }
  return out;
}

/** A filter training every parameter (not buffer) of the named synthesis layers. */
export function layerFilter(layerNames: readonly string[]): ParamFilter {
  const prefixes = layerNames.map((n) => `synthesis.${n}.`);
  return (name) => parseParamName(name).trainable && prefixes.some((p) => name.startsWith(p));
}

/** Steps 1–3 above: one readback of the [numWs] scores. */
export async function adaptiveLayerFilter(
  before: Tensor,
  after: Tensor,
  k: number,
  layers: readonly WPlusLayer[],
  opts: AdaptiveLayerOptions = {},
): Promise<AdaptiveLayerChoice> {
  const numWs = checkLayers('adaptiveLayerFilter', layers);
  if (before.rank === 3 && before.shape[1] !== numWs) {
    throw new Error(`adaptiveLayerFilter: W+ ${formatShape(before.shape)} has ${before.shape[1]} ws but the layers read ${numWs}`);
  }
  if (!Number.isInteger(k) || k < 0 || k > numWs) throw new Error(`adaptiveLayerFilter: k must be an integer in [0, ${numWs}], got ${k}`);
  layersForWIndices([], layers, opts); // validates the options before any work
  const change = wPlusChange(before, after);
  let scores: Float32Array;
  try {
    scores = (await change.read()) as Float32Array;
  } finally {
    change.dispose();
  }
  const indices = topIndices(scores, k);
  const names = layersForWIndices(indices, layers, opts);
  return { scores, indices, layers: names, filter: layerFilter(names) };
}

function checkLayers(op: string, layers: readonly WPlusLayer[]): number {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error(`${op}: needs the synthesis layer list (synthesisLayers(config)), got none`);
  const numWs = Math.max(...layers.map((l) => l.wIndex)) + 1;
  if (!layers.some((l) => l.name === 'b4.conv1')) throw new Error(`${op}: the layer list has no b4.conv1; pass synthesisLayers(config)`);
  return numWs;
}

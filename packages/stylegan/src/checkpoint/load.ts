/**
 * loadStyleGanCheckpoint: a StyleGAN2 generator (and discriminator, when the file has one) from any of the layouts
 * users bring, as f32 HostTensors under one naming (NVIDIA's `G_ema.state_dict()` / `D.state_dict()` names, see
 * config.ts) plus the configuration the tensor shapes imply.
 *
 * Layouts (research notes methods.md §D.1, §D.2):
 * - NVIDIA stylegan2-ada-pytorch network pickle (`.pkl`): a dict with 'G', 'D', 'G_ema', … of
 *   `torch_utils.persistence` modules. The generator is 'G_ema' (the EMA weights every official script samples
 *   from), the discriminator 'D'. Conv clamp, mapping lr multiplier, w_avg beta and architecture come from the
 *   modules' `_init_kwargs`; shapes must agree with them.
 * - rosinality stylegan2-pytorch `.pt` (`torch.save({'g_ema', 'latent_avg'?, 'd'?, …})`, NADA/StyleDomain files):
 *   renamed and reshaped per rosinality.ts; `latent_avg` becomes `mapping.w_avg`. Rosinality has no conv clamp.
 * - stylegpu's own: safetensors with tensors `G_ema.<name>` / `D.<name>` and the config JSON in `__metadata__`.
 * TensorFlow-era pickles (`dnnlib.tflib`) are refused with a pointer to the official converters; nothing in any file
 * is executed (the pickle VM only knows an allowlist of tensor-building globals).
 */

import {
  PersistentModule,
  flattenStateDict,
  hostTensor,
  readSafetensors,
  readTorchCheckpoint,
  toFloat32,
  type HostTensor,
} from '@stylegpu/io';
import {
  DEFAULTS,
  blockResolutions,
  discriminatorShapes,
  generatorShapes,
  isPowerOfTwoResolution,
  numWsFor,
  sameShape,
  shapeText,
  type DiscriminatorConfig,
  type GeneratorConfig,
  type ShapeTable,
  type StyleGanConfig,
} from './config.js';
import {
  discriminatorNameMapping,
  generatorNameMapping,
  inferRosinalityDiscriminator,
  inferRosinalityGenerator,
  type NameMapping,
} from './rosinality.js';
import { isEmbeddedName, readEmbeddedGenerator } from './embedded.js';

export interface StyleGanCheckpoint {
  config: StyleGanConfig;
  /** Internal name → f32 tensor, in `G_ema.state_dict()` order. */
  generator: Map<string, HostTensor>;
  discriminator?: Map<string, HostTensor>;
}

export const STYLEGPU_FORMAT = 'stylegpu-stylegan2';
const WHO = 'loadStyleGanCheckpoint';

/** Bytes, an embedded name (`embedded:shapes32`, ./embedded.ts), or (Node only) a file path. */
export async function loadStyleGanCheckpoint(source: Uint8Array | string): Promise<StyleGanCheckpoint> {
  let bytes: Uint8Array;
  if (typeof source === 'string' && isEmbeddedName(source)) {
    bytes = await readEmbeddedGenerator(source);
  } else if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    const buf = await readFile(source);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } else {
    bytes = source;
  }
  return parseStyleGanCheckpoint(bytes);
}

/** The synchronous core of loadStyleGanCheckpoint, on bytes. */
export function parseStyleGanCheckpoint(bytes: Uint8Array): StyleGanCheckpoint {
  if (looksLikeSafetensors(bytes)) return loadStylegpu(bytes);
  if (containsAscii(bytes.subarray(0, 1 << 16), 'dnnlib.tflib')) throw tfError();
  let root: unknown;
  try {
    root = readTorchCheckpoint(bytes).root;
  } catch (e) {
    const message = (e as Error).message;
    if (message.includes('dnnlib.tflib')) throw tfError();
    throw new Error(`${WHO}: cannot read the file as a PyTorch checkpoint or network pickle: ${message}`);
  }
  if (root instanceof Map && root.get('G_ema') instanceof PersistentModule) return loadNvidia(root);
  if (root instanceof Map && root.has('G_ema')) {
    throw new Error(`${WHO}: the NVIDIA pickle's 'G_ema' is ${describe(root.get('G_ema'))}, not a network module`);
  }
  if (root instanceof Map && root.get('g_ema') instanceof Map) return loadRosinality(root);
  const keys = root instanceof Map ? [...root.keys()].map(String) : [];
  throw new Error(
    `${WHO}: unknown checkpoint layout: expected an NVIDIA network pickle (with 'G_ema'), a rosinality .pt ` +
      `(with 'g_ema') or a stylegpu .safetensors file; found ${root instanceof Map ? `a dict with keys [${keys.join(', ')}]` : describe(root)}`,
  );
}

function tfError(): Error {
  return new Error(
    `${WHO}: this is a TensorFlow-era StyleGAN pickle (dnnlib.tflib networks), which needs TensorFlow 1.x to read. ` +
      'Convert it first: to PyTorch with stylegan2-ada-pytorch legacy.py (`python legacy.py --source=… --dest=…`) ' +
      "or to rosinality's format with its convert_weight.py.",
  );
}

// ---------------------------------------------------------------------------------------------------------------
// NVIDIA network pickles
// ---------------------------------------------------------------------------------------------------------------

function loadNvidia(root: Map<unknown, unknown>): StyleGanCheckpoint {
  const gModule = root.get('G_ema') as PersistentModule;
  const gTensors = flattenStateDict(gModule);
  const gShapes = shapesOf(gTensors);
  const generator = inferNvidiaGenerator(gShapes, gModule.initKwargs);
  const config: StyleGanConfig = { generator, layout: 'nvidia-pkl' };
  const result: StyleGanCheckpoint = {
    config,
    // MappingNetwork registers w_avg only when it tracks it (w_avg_beta not None).
    generator: checked(
      'generator (G_ema)',
      generatorShapes(generator, { withWAvg: generator.mapping.wAvgBeta !== null }),
      gTensors,
      generatorSummary(generator),
    ),
  };
  const dModule = root.get('D');
  if (dModule instanceof PersistentModule) {
    const dTensors = flattenStateDict(dModule);
    const disc = inferNvidiaDiscriminator(shapesOf(dTensors), dModule.initKwargs);
    checkSameImage(generator, disc);
    config.discriminator = disc;
    result.discriminator = checked('discriminator (D)', discriminatorShapes(disc), dTensors, discriminatorSummary(disc));
  }
  return result;
}

function kwarg(kwargs: Map<unknown, unknown>, path: string): unknown {
  let v: unknown = kwargs;
  for (const part of path.split('.')) {
    if (!(v instanceof Map)) return undefined;
    v = v.get(part);
  }
  return v;
}

function numberOr(v: unknown, fallback: number | null, what: string): number | null {
  if (v === undefined) return fallback;
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`${WHO}: init kwarg ${what} is ${describe(v)}, expected a number`);
}

function agree(kwargs: Map<unknown, unknown>, key: string, inferred: number, what: string): void {
  const v = kwarg(kwargs, key);
  if (v !== undefined && v !== null && Number(v) !== inferred) {
    throw new Error(`${WHO}: ${what} init kwarg ${key} = ${String(v)} disagrees with the tensor shapes, which imply ${inferred}`);
  }
}

export function inferNvidiaGenerator(shapes: Map<string, number[]>, kwargs: Map<unknown, unknown>): GeneratorConfig {
  const need = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new Error(`${WHO}: generator (G_ema) key '${name}' is missing (needed to infer the configuration)`);
    return s;
  };
  let numLayers = 0;
  while (shapes.has(`mapping.fc${numLayers}.weight`)) numLayers++;
  const fc0 = need('mapping.fc0.weight');
  const last = need(`mapping.fc${numLayers - 1}.weight`);
  const embed = shapes.get('mapping.embed.weight');
  const embedFeatures = embed ? embed[0] : 0;
  let imgResolution = 4;
  need('synthesis.b4.conv1.weight');
  while (shapes.has(`synthesis.b${imgResolution * 2}.conv1.weight`)) imgResolution *= 2;
  const channels: Record<string, number> = {};
  for (const res of blockResolutions(imgResolution)) channels[res] = need(`synthesis.b${res}.conv1.weight`)[0];
  const architecture = kwarg(kwargs, 'synthesis_kwargs.architecture') ?? 'skip';
  if (architecture !== 'skip') {
    throw new Error(`${WHO}: generator architecture '${String(architecture)}' is not supported (only NVIDIA's default 'skip')`);
  }
  const g: GeneratorConfig = {
    zDim: fc0[1] - embedFeatures,
    wDim: last[0],
    cDim: embed ? embed[1] : 0,
    imgResolution,
    imgChannels: need(`synthesis.b4.torgb.weight`)[0],
    numWs: numWsFor(imgResolution),
    mapping: {
      numLayers,
      lrMultiplier: numberOr(kwarg(kwargs, 'mapping_kwargs.lr_multiplier'), DEFAULTS.mappingLrMultiplier, 'lr_multiplier')!,
      layerFeatures: numLayers > 1 ? fc0[0] : last[0],
      embedFeatures,
      wAvgBeta: numberOr(kwarg(kwargs, 'mapping_kwargs.w_avg_beta'), DEFAULTS.wAvgBeta, 'w_avg_beta'),
    },
    synthesis: {
      channels,
      convClamp: numberOr(kwarg(kwargs, 'synthesis_kwargs.conv_clamp'), null, 'conv_clamp'),
      architecture: 'skip',
      numFp16Res: numberOr(kwarg(kwargs, 'synthesis_kwargs.num_fp16_res'), 0, 'num_fp16_res')!,
    },
  };
  agree(kwargs, 'z_dim', g.zDim, 'generator');
  agree(kwargs, 'w_dim', g.wDim, 'generator');
  agree(kwargs, 'c_dim', g.cDim, 'generator');
  agree(kwargs, 'img_resolution', g.imgResolution, 'generator');
  agree(kwargs, 'img_channels', g.imgChannels, 'generator');
  agree(kwargs, 'mapping_kwargs.num_layers', g.mapping.numLayers, 'generator');
  return g;
}

export function inferNvidiaDiscriminator(shapes: Map<string, number[]>, kwargs: Map<unknown, unknown>): DiscriminatorConfig {
  const need = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new Error(`${WHO}: discriminator (D) key '${name}' is missing (needed to infer the configuration)`);
    return s;
  };
  const architecture = kwarg(kwargs, 'architecture') ?? 'resnet';
  if (architecture !== 'resnet') {
    throw new Error(`${WHO}: discriminator architecture '${String(architecture)}' is not supported (only NVIDIA's default 'resnet')`);
  }
  const cDim = numberOr(kwarg(kwargs, 'c_dim'), 0, 'c_dim') ?? 0;
  if (cDim > 0 || shapes.has('mapping.fc0.weight')) throw new Error(`${WHO}: conditional discriminators (c_dim > 0) are not supported`);
  let imgResolution = 4;
  while (shapes.has(`b${imgResolution * 2}.conv0.weight`)) imgResolution *= 2;
  if (imgResolution === 4) need('b8.conv0.weight');
  const channels: Record<string, number> = {};
  for (const res of blockResolutions(imgResolution).slice(1)) channels[res] = need(`b${res}.conv0.weight`)[0];
  const conv = need('b4.conv.weight');
  channels[4] = conv[0];
  const d: DiscriminatorConfig = {
    cDim: 0,
    imgResolution,
    imgChannels: need(`b${imgResolution}.fromrgb.weight`)[1],
    channels,
    convClamp: numberOr(kwarg(kwargs, 'conv_clamp'), null, 'conv_clamp'),
    architecture: 'resnet',
    mbstdGroupSize: numberOr(kwarg(kwargs, 'epilogue_kwargs.mbstd_group_size'), DEFAULTS.mbstdGroupSize, 'mbstd_group_size')!,
    mbstdNumChannels: conv[1] - conv[0],
  };
  agree(kwargs, 'img_resolution', d.imgResolution, 'discriminator');
  agree(kwargs, 'img_channels', d.imgChannels, 'discriminator');
  agree(kwargs, 'epilogue_kwargs.mbstd_num_channels', d.mbstdNumChannels, 'discriminator');
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// rosinality .pt
// ---------------------------------------------------------------------------------------------------------------

function loadRosinality(root: Map<unknown, unknown>): StyleGanCheckpoint {
  const gTensors = flattenStateDict(root.get('g_ema'));
  const generator = inferRosinalityGenerator(shapesOf(gTensors));
  const config: StyleGanConfig = { generator, layout: 'rosinality-pt' };
  const gInternal = generatorShapes(generator, { withWAvg: false });
  const gMap = fromRosinality('generator (g_ema)', generatorNameMapping(generator, gInternal), gInternal, gTensors, generatorSummary(generator));
  const latentAvg = root.get('latent_avg');
  if (latentAvg !== undefined && latentAvg !== null) {
    const t = latentAvg as HostTensor;
    if (!(t && Array.isArray(t.shape)) || t.data.length !== generator.wDim) {
      throw new Error(
        `${WHO}: rosinality 'latent_avg' has shape ${t && Array.isArray(t.shape) ? shapeText(t.shape) : describe(t)}, ` +
          `expected ${generator.wDim} values (w_dim)`,
      );
    }
    gMap.set('mapping.w_avg', f32(t, [generator.wDim]));
  }
  const result: StyleGanCheckpoint = { config, generator: inOrder(generatorShapes(generator), gMap) };
  const d = root.get('d');
  if (d instanceof Map) {
    const dTensors = flattenStateDict(d);
    const disc = inferRosinalityDiscriminator(shapesOf(dTensors));
    checkSameImage(generator, disc);
    config.discriminator = disc;
    const dInternal = discriminatorShapes(disc);
    result.discriminator = inOrder(
      dInternal,
      fromRosinality('discriminator (d)', discriminatorNameMapping(disc, dInternal), dInternal, dTensors, discriminatorSummary(disc)),
    );
  }
  return result;
}

/** The [1,3,3,1] filter as NVIDIA's setup_filter makes it: outer product normalised to sum 1. */
export function defaultResampleFilter(): HostTensor {
  const taps = [1, 3, 3, 1];
  const data = new Float32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) data[i * 4 + j] = (taps[i] * taps[j]) / 64;
  return hostTensor('f32', [4, 4], data);
}

function fromRosinality(
  what: string,
  mapping: NameMapping,
  internal: ShapeTable,
  tensors: Map<string, HostTensor>,
  summary: string,
): Map<string, HostTensor> {
  const rosShapes: ShapeTable = new Map(mapping.pairs.map((p) => [p.rosinality, p.rosinalityShape]));
  checkKeysAndShapes(`rosinality ${what}`, rosShapes, tensors, summary);
  const out = new Map<string, HostTensor>();
  for (const p of mapping.pairs) {
    const t = f32(tensors.get(p.rosinality)!, internal.get(p.internal)!);
    if (p.scale !== 1) for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] /= p.scale;
    out.set(p.internal, t);
  }
  for (const name of mapping.defaultFilters) out.set(name, defaultResampleFilter());
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// stylegpu safetensors
// ---------------------------------------------------------------------------------------------------------------

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  // 8-byte little-endian header length, then a JSON object.
  return bytes.length >= 10 && bytes[8] === 0x7b && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0;
}

function loadStylegpu(bytes: Uint8Array): StyleGanCheckpoint {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new Error(`${WHO}: cannot read the safetensors file: ${(e as Error).message}`);
  }
  if (file.metadata.format !== STYLEGPU_FORMAT || typeof file.metadata.config !== 'string') {
    throw new Error(
      `${WHO}: this safetensors file has no stylegpu StyleGAN metadata (__metadata__.format '${STYLEGPU_FORMAT}' and ` +
        `a config); found format '${file.metadata.format ?? '(none)'}'`,
    );
  }
  let stored: StyleGanConfig;
  try {
    stored = JSON.parse(file.metadata.config) as StyleGanConfig;
  } catch (e) {
    throw new Error(`${WHO}: the stylegpu config in __metadata__ is not valid JSON (${(e as Error).message})`);
  }
  validateConfig(stored);
  const config: StyleGanConfig = { ...stored, layout: 'stylegpu', source: stored.source ?? stored.layout };
  const g = new Map<string, HostTensor>();
  const d = new Map<string, HostTensor>();
  for (const [name, t] of file.tensors) {
    if (name.startsWith('G_ema.')) g.set(name.slice(6), t);
    else if (name.startsWith('D.')) d.set(name.slice(2), t);
    else throw new Error(`${WHO}: stylegpu file has an unexpected key '${name}' (tensors are named G_ema.* or D.*)`);
  }
  const gShapes = generatorShapes(config.generator, { withWAvg: g.has('mapping.w_avg') });
  const result: StyleGanCheckpoint = { config, generator: checked('generator (G_ema)', gShapes, g, generatorSummary(config.generator)) };
  if (config.discriminator) {
    result.discriminator = checked('discriminator (D)', discriminatorShapes(config.discriminator), d, discriminatorSummary(config.discriminator));
  } else if (d.size > 0) {
    throw new Error(`${WHO}: stylegpu file has discriminator tensors (e.g. 'D.${[...d.keys()][0]}') but no discriminator config`);
  }
  return result;
}

function validateConfig(c: StyleGanConfig): void {
  const g = c?.generator;
  const bad = (why: string): never => {
    throw new Error(`${WHO}: the stylegpu config is invalid: ${why}`);
  };
  if (!g || typeof g !== 'object') bad('no generator section');
  for (const k of ['zDim', 'wDim', 'cDim', 'imgResolution', 'imgChannels', 'numWs'] as const) {
    if (!Number.isInteger(g[k]) || g[k] < 0) bad(`generator.${k} = ${String(g[k])}`);
  }
  if (!isPowerOfTwoResolution(g.imgResolution)) bad(`generator.imgResolution ${g.imgResolution} is not a power of two ≥ 4`);
  if (g.numWs !== numWsFor(g.imgResolution)) bad(`generator.numWs ${g.numWs} does not match resolution ${g.imgResolution}`);
  if (!g.mapping || !Number.isInteger(g.mapping.numLayers) || g.mapping.numLayers < 1) bad('generator.mapping.numLayers');
  if (!g.synthesis || typeof g.synthesis.channels !== 'object') bad('generator.synthesis.channels');
  if (g.synthesis.architecture !== 'skip') bad(`generator.synthesis.architecture '${String(g.synthesis.architecture)}'`);
  const d = c.discriminator;
  if (d) {
    if (!isPowerOfTwoResolution(d.imgResolution)) bad(`discriminator.imgResolution ${d.imgResolution}`);
    if (d.architecture !== 'resnet') bad(`discriminator.architecture '${String(d.architecture)}'`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks and conversion
// ---------------------------------------------------------------------------------------------------------------

function shapesOf(tensors: Map<string, HostTensor>): Map<string, number[]> {
  return new Map([...tensors].map(([k, t]) => [k, t.shape]));
}

function checkKeysAndShapes(what: string, expected: ShapeTable, tensors: Map<string, HostTensor>, summary: string): void {
  for (const name of expected.keys()) {
    if (!tensors.has(name)) throw new Error(`${WHO}: ${what} is missing key '${name}' (expected for ${summary})`);
  }
  for (const [name, t] of tensors) {
    const shape = expected.get(name);
    if (!shape) throw new Error(`${WHO}: ${what} has an unexpected key '${name}' ${shapeText(t.shape)} (not part of ${summary})`);
    if (!sameShape(shape, t.shape)) {
      throw new Error(`${WHO}: ${what} key '${name}' has shape ${shapeText(t.shape)}, expected ${shapeText(shape)} for ${summary}`);
    }
  }
}

/** Checks names and shapes, then returns f32 copies in the expected (state_dict) order. */
function checked(what: string, expected: ShapeTable, tensors: Map<string, HostTensor>, summary: string): Map<string, HostTensor> {
  checkKeysAndShapes(what, expected, tensors, summary);
  return inOrder(expected, new Map([...tensors].map(([k, t]) => [k, f32(t, t.shape)])));
}

function inOrder(expected: ShapeTable, tensors: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const name of expected.keys()) {
    const t = tensors.get(name);
    if (t) out.set(name, t);
  }
  return out;
}

/** An f32 copy (never a view into the file's storage) with the given shape (same element count). */
function f32(t: HostTensor, shape: number[]): HostTensor {
  return hostTensor('f32', [...shape], Float32Array.from(toFloat32(t)));
}

function checkSameImage(g: GeneratorConfig, d: DiscriminatorConfig): void {
  if (g.imgResolution !== d.imgResolution || g.imgChannels !== d.imgChannels) {
    throw new Error(
      `${WHO}: the discriminator takes ${d.imgChannels}×${d.imgResolution}² images but the generator makes ` +
        `${g.imgChannels}×${g.imgResolution}²`,
    );
  }
}

export function generatorSummary(g: GeneratorConfig): string {
  const ch = blockResolutions(g.imgResolution).map((r) => `${r}:${g.synthesis.channels[r]}`).join(' ');
  return `a ${g.imgResolution}px generator (z ${g.zDim}, w ${g.wDim}, ${g.mapping.numLayers} mapping layers, channels ${ch})`;
}

export function discriminatorSummary(d: DiscriminatorConfig): string {
  const ch = blockResolutions(d.imgResolution).map((r) => `${r}:${d.channels[r]}`).join(' ');
  return `a ${d.imgResolution}px discriminator (channels ${ch})`;
}

function containsAscii(bytes: Uint8Array, needle: string): boolean {
  const n = Array.from(needle, (c) => c.charCodeAt(0));
  outer: for (let i = 0; i + n.length <= bytes.length; i++) {
    for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v instanceof Map) return 'a dict';
  return typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : `${typeof v} ${String(v)}`;
}

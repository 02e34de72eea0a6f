import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  flattenStateDict,
  readSafetensors,
  readTorchCheckpoint,
  toFloat32,
  writeSafetensors,
  type HostTensor,
} from '@stylegpu/io';
import { relError } from '@stylegpu/kernels/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clipWeightShapes,
  huggingFaceShapesAsOpenAI,
  inferClipConfig,
  readClipCheckpoint,
  saveClipCheckpoint,
  type ClipCheckpoint,
  type ClipConfig,
  type Shaped,
} from '../src/checkpoint/index.js';
import { loadClipCheckpoint, saveClipCheckpointFile } from '../src/checkpoint/node.js';
import { loadTokenizer } from '../src/node.js';
import { encodeImage, encodeText } from './reference/clip-forward.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../fixtures');
const tinyA = path.join(fixtures, 'clip-tiny-a');
const tinyB = path.join(fixtures, 'clip-tiny-b');
const bytes = (file: string) => new Uint8Array(readFileSync(file));

interface FixtureMeta {
  config: Record<string, number>;
  prompts: string[];
  tokens: number[][];
}
const meta = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8')) as FixtureMeta;

/** The ClipConfig a fixture's Python config (clip_ref.ClipConfig) stands for. */
function expectedConfig(c: Record<string, number>): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: c.embed_dim,
    vision: {
      width: c.vision_width,
      layers: c.vision_layers,
      heads: c.vision_heads,
      mlpWidth: 4 * c.vision_width,
      patchSize: c.patch_size,
      imageSize: c.image_size,
      ...tower,
    },
    text: {
      width: c.text_width,
      layers: c.text_layers,
      heads: c.text_heads,
      mlpWidth: 4 * c.text_width,
      contextLength: c.context_length,
      vocabSize: c.vocab_size,
      ...tower,
    },
  };
}

function expectSameWeights(a: Map<string, HostTensor>, b: Map<string, HostTensor>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.dtype, name).toBe('f32');
    expect(u.shape, name).toEqual(t.shape);
    const x = t.data as Float32Array;
    const y = u.data as Float32Array;
    let same = x.length === y.length;
    for (let i = 0; same && i < x.length; i++) same = x[i] === y[i];
    expect(same, `${name} differs`).toBe(true);
  }
}

/** Serialise OpenAI-named tensors as a plain safetensors file (some users save OpenAI state dicts this way). */
function openaiSafetensors(weights: Map<string, HostTensor>): Uint8Array {
  return writeSafetensors(weights);
}

const headsA = { visionHeads: 5, textHeads: 4 };

describe('loadClipCheckpoint on the clip-tiny-a fixture', () => {
  let reference: ClipCheckpoint;
  beforeAll(async () => {
    reference = await loadClipCheckpoint(path.join(tinyA, 'hf'));
  });

  it('reads the Hugging Face folder (config.json + model.safetensors) with the fixture config', () => {
    expect(reference.layout).toBe('huggingface');
    expect(reference.container).toBe('safetensors');
    expect(reference.config).toEqual(expectedConfig(meta(tinyA).config));
    expect(reference.headsFrom).toEqual({ vision: 'config.json', text: 'config.json' });
    expect([...reference.weights.keys()].sort()).toEqual([...clipWeightShapes(reference.config).keys()].sort());
  });

  it('every layout gives identical internal tensors and config', async () => {
    const folderFiles = {
      'config.json': bytes(path.join(tinyA, 'hf/config.json')),
      'pytorch_model.bin': bytes(path.join(tinyA, 'hf/pytorch_model.bin')),
    };
    const variants: Array<[string, ClipCheckpoint, string, string]> = [
      ['OpenAI TorchScript .pt', await loadClipCheckpoint(path.join(tinyA, 'openai.pt'), headsA), 'openai', 'torchscript'],
      ['HF pytorch_model.bin (files map)', readClipCheckpoint(folderFiles), 'huggingface', 'zip'],
      ['HF pytorch_model.bin path (sibling config.json)', await loadClipCheckpoint(path.join(tinyA, 'hf/pytorch_model.bin')), 'huggingface', 'zip'],
      ['HF model.safetensors bytes alone', readClipCheckpoint(bytes(path.join(tinyA, 'hf/model.safetensors')), headsA), 'huggingface', 'safetensors'],
      ['stylegpu f32', readClipCheckpoint(saveClipCheckpoint(reference)), 'stylegpu', 'safetensors'],
      // Every fixture value is f16-exact, so the f16 stylegpu file must round-trip bit for bit too.
      ['stylegpu f16', readClipCheckpoint(saveClipCheckpoint(reference, { dtype: 'f16' })), 'stylegpu', 'safetensors'],
    ];
    for (const [label, loaded, layout, container] of variants) {
      expect(loaded.layout, label).toBe(layout);
      expect(loaded.container, label).toBe(container);
      expect(loaded.config, label).toEqual(reference.config);
      expectSameWeights(reference.weights, loaded.weights);
    }
    expect(variants[0][1].headsFrom).toEqual({ vision: 'options', text: 'options' });
    expect(variants[4][1].headsFrom).toEqual({ vision: 'stylegpu metadata', text: 'stylegpu metadata' });
  });

  it('the OpenAI archive keeps fp16 where convert_weights casts and fp32 elsewhere; both load as f32', () => {
    const raw = flattenStateDict(readTorchCheckpoint(bytes(path.join(tinyA, 'openai.pt'))).root);
    expect(raw.get('visual.conv1.weight')!.dtype).toBe('f16');
    expect(raw.get('transformer.resblocks.0.attn.in_proj_weight')!.dtype).toBe('f16');
    expect(raw.get('visual.proj')!.dtype).toBe('f16');
    expect(raw.get('visual.class_embedding')!.dtype).toBe('f32');
    expect(raw.get('ln_final.weight')!.dtype).toBe('f32');
    // The archive also holds the hyper-parameter scalars and each text block's causal mask; the loader skips them.
    expect(raw.has('input_resolution') && raw.has('transformer.resblocks.0.attn_mask')).toBe(true);
    const loaded = readClipCheckpoint(bytes(path.join(tinyA, 'openai.pt')), headsA);
    for (const t of loaded.weights.values()) expect(t.dtype).toBe('f32');
    expect(loaded.weights.get('logit_scale')!.shape).toEqual([]);
    expect((loaded.weights.get('logit_scale')!.data as Float32Array)[0]).toBeCloseTo(Math.log(1 / 0.07), 2);
  });

  it('reproduces the Python reference outputs in float64 from the loaded weights', () => {
    const expected = readSafetensors(bytes(path.join(tinyA, 'expected.safetensors'))).tensors;
    const { config, weights } = reference;
    const pixels = toFloat32(expected.get('pixels')!);
    const image = encodeImage(weights, config, pixels, 2);
    expect(relError(image, toFloat32(expected.get('image_features')!))).toBeLessThan(1e-5);
    const tokens = expected.get('tokens')!;
    expect(tokens.dtype).toBe('i32');
    expect(Array.from(tokens.data as Int32Array)).toEqual(meta(tinyA).tokens.flat());
    const text = encodeText(weights, config, tokens.data as Int32Array, 3);
    expect(relError(text, toFloat32(expected.get('text_features')!))).toBeLessThan(1e-5);
  });

  it('the fixture tokens are what ClipTokenizer gives on the hf-tiny vocabulary', async () => {
    const tokenizer = await loadTokenizer(path.join(fixtures, 'hf-tiny'));
    const { prompts, tokens } = meta(tinyA);
    expect(tokenizer.vocabularySize).toBe(reference.config.text.vocabSize);
    prompts.forEach((p, i) => expect(Array.from(tokenizer.tokenize(p)), p).toEqual(tokens[i]));
  });

  it('saveClipCheckpointFile writes a file loadClipCheckpoint reads back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clip-ckpt-'));
    const file = path.join(dir, 'tiny.safetensors');
    await saveClipCheckpointFile(file, reference);
    const loaded = await loadClipCheckpoint(file);
    expect(loaded.layout).toBe('stylegpu');
    expect(loaded.config).toEqual(reference.config);
    expectSameWeights(reference.weights, loaded.weights);
  });

  it('accepts OpenAI names saved as safetensors, nested under a prefix', () => {
    const prefixed = new Map([...reference.weights].map(([k, t]) => [`module.${k}`, t]));
    const loaded = readClipCheckpoint(openaiSafetensors(prefixed), headsA);
    expect(loaded.layout).toBe('openai');
    expectSameWeights(reference.weights, loaded.weights);
  });
});

describe('loadClipCheckpoint on the clip-tiny-b fixture (HF, f16 safetensors)', () => {
  it('loads with the fixture config and reproduces the reference outputs', async () => {
    const loaded = await loadClipCheckpoint(path.join(tinyB, 'hf'));
    expect(loaded.config).toEqual(expectedConfig(meta(tinyB).config));
    const expected = readSafetensors(bytes(path.join(tinyB, 'expected.safetensors'))).tensors;
    const image = encodeImage(loaded.weights, loaded.config, toFloat32(expected.get('pixels')!), 2);
    expect(relError(image, toFloat32(expected.get('image_features')!))).toBeLessThan(1e-5);
    const text = encodeText(loaded.weights, loaded.config, expected.get('tokens')!.data as Int32Array, 3);
    expect(relError(text, toFloat32(expected.get('text_features')!))).toBeLessThan(1e-5);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real model configurations from shapes alone
// ---------------------------------------------------------------------------------------------------------------

interface RealModel {
  name: string;
  width: number;
  layers: number;
  patch: number;
  resolution: number;
  textWidth: number;
  textLayers: number;
  embed: number;
  visionHeads: number;
  textHeads: number;
}

// openai/CLIP model cards and build_model's derivations (research notes D.4, reference-semantics 2.12).
const REAL_MODELS: RealModel[] = [
  { name: 'ViT-B/32', width: 768, layers: 12, patch: 32, resolution: 224, textWidth: 512, textLayers: 12, embed: 512, visionHeads: 12, textHeads: 8 },
  { name: 'ViT-B/16', width: 768, layers: 12, patch: 16, resolution: 224, textWidth: 512, textLayers: 12, embed: 512, visionHeads: 12, textHeads: 8 },
  { name: 'ViT-L/14', width: 1024, layers: 24, patch: 14, resolution: 224, textWidth: 768, textLayers: 12, embed: 768, visionHeads: 16, textHeads: 12 },
  { name: 'ViT-L/14@336px', width: 1024, layers: 24, patch: 14, resolution: 336, textWidth: 768, textLayers: 12, embed: 768, visionHeads: 16, textHeads: 12 },
];

/** OpenAI state-dict shapes, written out from the key list in methods.md D.4 (independently of clipWeightShapes). */
function openaiShapes(m: RealModel): Map<string, Shaped> {
  const s = new Map<string, Shaped>();
  const put = (name: string, ...shape: number[]) => s.set(name, { shape });
  const blocks = (prefix: string, w: number, layers: number) => {
    for (let i = 0; i < layers; i++) {
      const b = `${prefix}${i}.`;
      put(`${b}attn.in_proj_weight`, 3 * w, w);
      put(`${b}attn.in_proj_bias`, 3 * w);
      put(`${b}attn.out_proj.weight`, w, w);
      put(`${b}attn.out_proj.bias`, w);
      for (const ln of ['ln_1', 'ln_2']) {
        put(`${b}${ln}.weight`, w);
        put(`${b}${ln}.bias`, w);
      }
      put(`${b}mlp.c_fc.weight`, 4 * w, w);
      put(`${b}mlp.c_fc.bias`, 4 * w);
      put(`${b}mlp.c_proj.weight`, w, 4 * w);
      put(`${b}mlp.c_proj.bias`, w);
    }
  };
  const grid = m.resolution / m.patch;
  put('visual.conv1.weight', m.width, 3, m.patch, m.patch);
  put('visual.class_embedding', m.width);
  put('visual.positional_embedding', grid * grid + 1, m.width);
  put('visual.ln_pre.weight', m.width);
  put('visual.ln_pre.bias', m.width);
  blocks('visual.transformer.resblocks.', m.width, m.layers);
  put('visual.ln_post.weight', m.width);
  put('visual.ln_post.bias', m.width);
  put('visual.proj', m.width, m.embed);
  put('token_embedding.weight', 49408, m.textWidth);
  put('positional_embedding', 77, m.textWidth);
  blocks('transformer.resblocks.', m.textWidth, m.textLayers);
  put('ln_final.weight', m.textWidth);
  put('ln_final.bias', m.textWidth);
  put('text_projection', m.textWidth, m.embed);
  put('logit_scale');
  return s;
}

/** Hugging Face CLIPModel shapes, written out from methods.md D.5. */
function huggingFaceShapes(m: RealModel): Map<string, Shaped> {
  const s = new Map<string, Shaped>();
  const put = (name: string, ...shape: number[]) => s.set(name, { shape });
  const layers = (prefix: string, w: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const b = `${prefix}.encoder.layers.${i}.`;
      for (const p of ['q', 'k', 'v', 'out']) {
        put(`${b}self_attn.${p}_proj.weight`, w, w);
        put(`${b}self_attn.${p}_proj.bias`, w);
      }
      for (const ln of ['layer_norm1', 'layer_norm2']) {
        put(`${b}${ln}.weight`, w);
        put(`${b}${ln}.bias`, w);
      }
      put(`${b}mlp.fc1.weight`, 4 * w, w);
      put(`${b}mlp.fc1.bias`, 4 * w);
      put(`${b}mlp.fc2.weight`, w, 4 * w);
      put(`${b}mlp.fc2.bias`, w);
    }
  };
  const grid = m.resolution / m.patch;
  put('vision_model.embeddings.class_embedding', m.width);
  put('vision_model.embeddings.patch_embedding.weight', m.width, 3, m.patch, m.patch);
  put('vision_model.embeddings.position_embedding.weight', grid * grid + 1, m.width);
  put('vision_model.embeddings.position_ids', 1, grid * grid + 1);
  put('vision_model.pre_layrnorm.weight', m.width);
  put('vision_model.pre_layrnorm.bias', m.width);
  layers('vision_model', m.width, m.layers);
  put('vision_model.post_layernorm.weight', m.width);
  put('vision_model.post_layernorm.bias', m.width);
  put('visual_projection.weight', m.embed, m.width);
  put('text_model.embeddings.token_embedding.weight', 49408, m.textWidth);
  put('text_model.embeddings.position_embedding.weight', 77, m.textWidth);
  layers('text_model', m.textWidth, m.textLayers);
  put('text_model.final_layer_norm.weight', m.textWidth);
  put('text_model.final_layer_norm.bias', m.textWidth);
  put('text_projection.weight', m.embed, m.textWidth);
  put('logit_scale');
  return s;
}

function realConfig(m: RealModel): ClipConfig {
  const tower = { activation: 'quick_gelu' as const, layerNormEps: 1e-5 };
  return {
    embedDim: m.embed,
    vision: { width: m.width, layers: m.layers, heads: m.visionHeads, mlpWidth: 4 * m.width, patchSize: m.patch, imageSize: m.resolution, ...tower },
    text: { width: m.textWidth, layers: m.textLayers, heads: m.textHeads, mlpWidth: 4 * m.textWidth, contextLength: 77, vocabSize: 49408, ...tower },
  };
}

describe('config inference for the released OpenAI ViTs (shape-only weight maps)', () => {
  for (const m of REAL_MODELS) {
    it(`${m.name} from OpenAI names`, () => {
      const shapes = openaiShapes(m);
      const config = inferClipConfig(shapes);
      expect(config).toEqual(realConfig(m));
      // The expected-key list the loader checks against is exactly the state dict's key set and shapes.
      const expected = clipWeightShapes(config);
      expect([...expected.keys()].sort()).toEqual([...shapes.keys()].sort());
      for (const [k, shape] of expected) expect(shape, k).toEqual(shapes.get(k)!.shape);
    });

    it(`${m.name} from Hugging Face names`, () => {
      const { shapes, unmapped } = huggingFaceShapesAsOpenAI(huggingFaceShapes(m));
      expect(unmapped).toEqual([]);
      expect(inferClipConfig(shapes)).toEqual(realConfig(m));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Bad inputs
// ---------------------------------------------------------------------------------------------------------------

describe('bad checkpoints give errors that name the problem', () => {
  let good: ClipCheckpoint;
  beforeAll(async () => {
    good = await loadClipCheckpoint(path.join(tinyA, 'hf'));
  });
  const edited = (edit: (m: Map<string, HostTensor>) => void) => {
    const copy = new Map(good.weights);
    edit(copy);
    return openaiSafetensors(copy);
  };
  const hfFolder = () => ({
    'config.json': readFileSync(path.join(tinyA, 'hf/config.json'), 'utf8'),
    'model.safetensors': bytes(path.join(tinyA, 'hf/model.safetensors')),
  });
  const hfConfig = () => JSON.parse(readFileSync(path.join(tinyA, 'hf/config.json'), 'utf8'));
  const hfTensors = () => readSafetensors(bytes(path.join(tinyA, 'hf/model.safetensors'))).tensors;

  it('OpenAI layout without head counts when width is not a multiple of 64', () => {
    expect(() => readClipCheckpoint(bytes(path.join(tinyA, 'openai.pt')))).toThrow(
      /vision head count.*width\/64.*vision width 40.*visionHeads/,
    );
    expect(() => readClipCheckpoint(bytes(path.join(tinyA, 'openai.pt')), { visionHeads: 5 })).toThrow(/text width 32.*textHeads/);
    expect(() => readClipCheckpoint(bytes(path.join(tinyA, 'openai.pt')), { visionHeads: 3, textHeads: 4 })).toThrow(
      /visionHeads = 3 must be a positive integer dividing the vision width 40/,
    );
  });

  it('missing, unexpected and wrongly shaped keys', () => {
    expect(() => readClipCheckpoint(edited((m) => m.delete('transformer.resblocks.1.ln_2.bias')), headsA)).toThrow(
      /missing 1 key\(s\): 'transformer\.resblocks\.1\.ln_2\.bias'/,
    );
    const extra = { dtype: 'f32' as const, shape: [2], data: new Float32Array(2) };
    expect(() => readClipCheckpoint(edited((m) => m.set('visual.extra_thing', extra)), headsA)).toThrow(
      /unexpected 1 key\(s\): 'visual\.extra_thing'/,
    );
    const bad = { dtype: 'f32' as const, shape: [40, 25], data: new Float32Array(1000) };
    expect(() => readClipCheckpoint(edited((m) => m.set('visual.proj', bad)), headsA)).toThrow(
      /wrong shapes: 'visual\.proj' is \[40, 25\], expected \[40, 24\]/,
    );
    // Every mlp in a tower must match block 0's width.
    const wide = { dtype: 'f32' as const, shape: [161], data: new Float32Array(161) };
    expect(() => readClipCheckpoint(edited((m) => m.set('visual.transformer.resblocks.1.mlp.c_fc.bias', wide)), headsA)).toThrow(
      /'visual\.transformer\.resblocks\.1\.mlp\.c_fc\.bias' is \[161\], expected \[160\]/,
    );
  });

  it('inconsistent hyper-parameter tensors and shapes', () => {
    const scalar = (v: number) => ({ dtype: 'i64' as const, shape: [], data: new BigInt64Array([BigInt(v)]) });
    expect(() => readClipCheckpoint(edited((m) => m.set('input_resolution', scalar(224))), headsA)).toThrow(
      /input_resolution is 224 but the weights imply 32/,
    );
    expect(readClipCheckpoint(edited((m) => m.set('input_resolution', scalar(32))), headsA).config.vision.imageSize).toBe(32);
    const pos = { dtype: 'f32' as const, shape: [18, 40], data: new Float32Array(720) };
    expect(() => readClipCheckpoint(edited((m) => m.set('visual.positional_embedding', pos)), headsA)).toThrow(
      /'visual\.positional_embedding' has 18 rows; expected grid² \+ 1/,
    );
    expect(() => readClipCheckpoint(edited((m) => m.delete('visual.transformer.resblocks.0.attn.in_proj_weight')), headsA)).toThrow(
      /vision blocks are not numbered 0\.\.0 \(block 0 is missing\)/,
    );
  });

  it('ResNet CLIP, unknown layouts and non-checkpoints', () => {
    const resnet = edited((m) => {
      for (const k of [...m.keys()]) if (k.startsWith('visual.')) m.delete(k);
      m.set('visual.layer1.0.conv1.weight', { dtype: 'f32', shape: [1], data: new Float32Array(1) });
    });
    expect(() => readClipCheckpoint(resnet, headsA)).toThrow(/ResNet CLIP.*only ViT/);
    const unknown = writeSafetensors({ 'encoder.weight': { dtype: 'f32', shape: [1], data: new Float32Array(1) } });
    expect(() => readClipCheckpoint(unknown)).toThrow(/unknown layout.*'encoder\.weight'/);
    expect(() => readClipCheckpoint(new TextEncoder().encode('hello, not a checkpoint'))).toThrow(/unknown file format/);
  });

  it('Hugging Face: config.json contradicting the weights, bad activation, head conflicts, missing q/k/v', () => {
    const wrongSize = hfConfig();
    wrongSize.vision_config.hidden_size = 64;
    expect(() => readClipCheckpoint({ ...hfFolder(), 'config.json': JSON.stringify(wrongSize) })).toThrow(
      /config\.json disagrees with the weights: vision_config\.hidden_size is 64 but the weights imply 40/,
    );
    const act = hfConfig();
    act.text_config.hidden_act = 'relu';
    expect(() => readClipCheckpoint({ ...hfFolder(), 'config.json': JSON.stringify(act) })).toThrow(/hidden_act 'relu' is not supported/);
    expect(() => readClipCheckpoint({ ...hfFolder(), 'config.json': '{"model_type": "siglip"}' })).toThrow(/model_type 'siglip'/);
    expect(() => readClipCheckpoint({ ...hfFolder(), 'config.json': '{not json' })).toThrow(/config\.json is not valid JSON/);
    expect(() => readClipCheckpoint(hfFolder(), { textHeads: 2 })).toThrow(/textHeads = 2 contradicts config\.json \(4\)/);
    const noK = hfTensors();
    noK.delete('text_model.encoder.layers.1.self_attn.k_proj.bias');
    expect(() => readClipCheckpoint({ ...hfFolder(), 'model.safetensors': writeSafetensors(noK) })).toThrow(
      /missing 1 key\(s\): 'text_model\.encoder\.layers\.1\.self_attn\.k_proj\.bias'/,
    );
    const extra = hfTensors();
    extra.set('text_model.pooler.weight', { dtype: 'f32', shape: [1], data: new Float32Array(1) });
    expect(() => readClipCheckpoint({ ...hfFolder(), 'model.safetensors': writeSafetensors(extra) })).toThrow(
      /unexpected 1 key\(s\): 'text_model\.pooler\.weight'/,
    );
    const transposed = hfTensors();
    transposed.set('visual_projection.weight', { dtype: 'f32', shape: [40, 24], data: new Float32Array(960) });
    expect(() => readClipCheckpoint({ ...hfFolder(), 'model.safetensors': writeSafetensors(transposed) })).toThrow(
      /'visual_projection\.weight' is \[40, 24\], expected \[24, 40\]/,
    );
  });

  it('folders and paths', async () => {
    expect(() => readClipCheckpoint({ 'config.json': '{}' })).toThrow(/neither model\.safetensors nor pytorch_model\.bin \(files: config\.json\)/);
    expect(() => readClipCheckpoint({ 'model.safetensors.index.json': '{}' })).toThrow(/sharded checkpoints/);
    const dir = mkdtempSync(path.join(tmpdir(), 'clip-empty-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'README.md'), 'hi');
    await expect(loadClipCheckpoint(dir)).rejects.toThrow(/neither model\.safetensors nor pytorch_model\.bin \(contents: /);
    await expect(loadClipCheckpoint(path.join(dir, 'nope.pt'))).rejects.toThrow(/no such file or folder: .*nope\.pt/);
  });

  it('stylegpu files: bad version, bad config, bad save options', () => {
    const file = readSafetensors(saveClipCheckpoint(good));
    const rewrite = (metadata: Record<string, string>) => writeSafetensors(file.tensors, { ...file.metadata, ...metadata });
    expect(() => readClipCheckpoint(rewrite({ version: '9' }))).toThrow(/stylegpu-clip version "9" is not supported/);
    expect(() => readClipCheckpoint(rewrite({ config: '{' }))).toThrow(/no valid config JSON/);
    const badHeads = { ...good.config, text: { ...good.config.text, heads: 5 } };
    expect(() => readClipCheckpoint(rewrite({ config: JSON.stringify(badHeads) }))).toThrow(
      /bad config: text\.width 32 is not divisible by heads 5/,
    );
    const smaller = { ...good.config, embedDim: 23 };
    expect(() => readClipCheckpoint(rewrite({ config: JSON.stringify(smaller) }))).toThrow(/wrong shapes: 'text_projection' is \[32, 24\], expected \[32, 23\]/);
    expect(() => saveClipCheckpoint(good, { dtype: 'bf16' as 'f16' })).toThrow(/saveClipCheckpoint: dtype must be 'f32' or 'f16', got "bf16"/);
    const missing = new Map(good.weights);
    missing.delete('ln_final.bias');
    expect(() => saveClipCheckpoint({ config: good.config, weights: missing })).toThrow(
      /saveClipCheckpoint.*missing 1 key\(s\): 'ln_final\.bias'/,
    );
  });
});

/**
 * StyleGAN2 checkpoint loading: every official layout, one internal naming, config inference, writers, bad input.
 *
 * Fixtures come from fixtures/make_fixtures.py (the same random weights saved as an NVIDIA network pickle and as a
 * rosinality .pt) and fixtures/check_rosinality_export.py (what torch 1.13 read from our rosinality export).
 * The mapping network and the affine styles are recomputed here on the CPU in float64 from the loaded weights and
 * compared with the independent PyTorch reference's outputs, so names, transposes, gains and the ws indexing are
 * checked by value, not only by shape.
 */

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PyOrderedDict,
  readSafetensors,
  toFloat32,
  writeSafetensors,
  writeTorchCheckpoint,
  type HostTensor,
  type TorchSaveValue,
} from '@stylegpu/io';
import { describe, expect, it } from 'vitest';
import {
  STYLEGPU_FORMAT,
  exportRosinality,
  generatorNameMapping,
  generatorShapes,
  loadStyleGanCheckpoint,
  parseStyleGanCheckpoint,
  saveStyleGanCheckpoint,
  type StyleGanCheckpoint,
} from '../src/checkpoint/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const read = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'expected', 'manifest.json'), 'utf8')) as {
  generators: Record<string, { config: Record<string, unknown>; g_keys: string[]; d_keys: string[] }>;
};
const expected = (name: string) => readSafetensors(read(`expected/${name}.safetensors`)).tensors;

function expectSameTensors(a: Map<string, HostTensor>, b: Map<string, HostTensor>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k)!;
    expect(u.shape, k).toEqual(t.shape);
    expect(u.dtype, k).toBe('f32');
    expect(Buffer.from(toFloat32(u).buffer, toFloat32(u).byteOffset, u.data.byteLength).equals(
      Buffer.from(toFloat32(t).buffer, toFloat32(t).byteOffset, t.data.byteLength),
    ), `${k} differs`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// float64 CPU recomputation of the mapping network and the affine styles from loaded weights
// ---------------------------------------------------------------------------------------------------------------

function linear(x: number[], w: HostTensor, b: HostTensor, weightGain: number, biasGain: number): number[] {
  const [out, inF] = w.shape;
  const wd = toFloat32(w);
  const bd = toFloat32(b);
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = 0; i < inF; i++) s += wd[o * inF + i] * weightGain * x[i];
    y.push(s + bd[o] * biasGain);
  }
  return y;
}

function mapping(ckpt: StyleGanCheckpoint, z: number[], psi = 1, cutoff?: number): number[][] {
  const g = ckpt.config.generator;
  const lr = g.mapping.lrMultiplier;
  const ms = z.reduce((s, v) => s + v * v, 0) / z.length;
  let x = z.map((v) => v / Math.sqrt(ms + 1e-8));
  for (let i = 0; i < g.mapping.numLayers; i++) {
    const w = ckpt.generator.get(`mapping.fc${i}.weight`)!;
    x = linear(x, w, ckpt.generator.get(`mapping.fc${i}.bias`)!, lr / Math.sqrt(w.shape[1]), lr).map(
      (v) => (v < 0 ? 0.2 * v : v) * Math.SQRT2,
    );
  }
  const avg = Array.from(toFloat32(ckpt.generator.get('mapping.w_avg')!));
  return Array.from({ length: g.numWs }, (_, i) =>
    psi !== 1 && (cutoff === undefined || i < cutoff) ? x.map((v, j) => avg[j] + psi * (v - avg[j])) : [...x],
  );
}

/** Affine outputs per layer with NVIDIA's ws indexing: b4.conv1←w0, b4.torgb←w1, b{r}.conv0←w(2k−1), conv1←w(2k), torgb←w(2k+1). */
function styles(ckpt: StyleGanCheckpoint, ws: number[][]): Map<string, number[]> {
  const g = ckpt.config.generator;
  const out = new Map<string, number[]>();
  const affine = (layer: string, w: number[], extraGain = 1) => {
    const weight = ckpt.generator.get(`synthesis.${layer}.affine.weight`)!;
    const s = linear(w, weight, ckpt.generator.get(`synthesis.${layer}.affine.bias`)!, 1 / Math.sqrt(g.wDim), 1);
    out.set(layer, s.map((v) => v * extraGain));
  };
  let k = 0;
  for (let res = 4; res <= g.imgResolution; res *= 2, k++) {
    const c = g.synthesis.channels[res];
    if (res === 4) affine('b4.conv1', ws[0]);
    else {
      affine(`b${res}.conv0`, ws[2 * k - 1]);
      affine(`b${res}.conv1`, ws[2 * k]);
    }
    affine(`b${res}.torgb`, ws[res === 4 ? 1 : 2 * k + 1], 1 / Math.sqrt(c));
  }
  return out;
}

function expectClose(actual: number[], reference: Float32Array, label: string): void {
  expect(actual.length, label).toBe(reference.length);
  const scale = Math.max(...Array.from(reference, Math.abs));
  const err = Math.max(...actual.map((v, i) => Math.abs(v - reference[i])));
  expect(err / scale, label).toBeLessThan(2e-6); // f64 vs the f64 reference stored as f32
}

function checkAgainstReference(ckpt: StyleGanCheckpoint, name: string): void {
  const ref = expected(name);
  for (const seed of [0, 1, 2]) {
    const z = Array.from(toFloat32(ref.get(`seed${seed}.z`)!));
    expectClose(mapping(ckpt, z).flat(), toFloat32(ref.get(`seed${seed}.ws.psi1`)!), `${name} seed ${seed} ws psi 1`);
    expectClose(mapping(ckpt, z, 0.7).flat(), toFloat32(ref.get(`seed${seed}.ws.psi0.7`)!), `${name} seed ${seed} ws psi 0.7`);
    expectClose(mapping(ckpt, z, 0.7, 4).flat(), toFloat32(ref.get(`seed${seed}.ws.psi0.7.cutoff4`)!), `${name} seed ${seed} cutoff`);
  }
  const ws0 = ref.get('seed0.ws.psi1')!;
  const w = ckpt.config.generator.wDim;
  const rows = Array.from({ length: ws0.shape[1] }, (_, i) => Array.from(toFloat32(ws0).subarray(i * w, (i + 1) * w)));
  const computed = styles(ckpt, rows);
  const names = [...ref.keys()].filter((k) => k.startsWith('seed0.styles.')).map((k) => k.slice('seed0.styles.'.length));
  expect(names.sort()).toEqual([...computed.keys()].sort());
  for (const [layer, s] of computed) expectClose(s, toFloat32(ref.get(`seed0.styles.${layer}`)!), `${name} styles ${layer}`);
}

// ---------------------------------------------------------------------------------------------------------------

describe('loading each official layout', () => {
  it('NVIDIA network pickle: G_ema and D under NVIDIA names, config from shapes and init kwargs', async () => {
    const ckpt = await loadStyleGanCheckpoint(join(FIXTURES, 'g16_nvidia.pkl'));
    const { generator: g, discriminator: d, layout } = ckpt.config;
    expect(layout).toBe('nvidia-pkl');
    expect(g).toEqual({
      zDim: 32,
      wDim: 32,
      cDim: 0,
      imgResolution: 16,
      imgChannels: 3,
      numWs: 6,
      mapping: { numLayers: 2, lrMultiplier: 0.01, layerFeatures: 32, embedFeatures: 0, wAvgBeta: 0.995 },
      synthesis: { channels: { 4: 8, 8: 8, 16: 8 }, convClamp: 256, architecture: 'skip', numFp16Res: 0 },
    });
    expect(d).toEqual({
      cDim: 0,
      imgResolution: 16,
      imgChannels: 3,
      channels: { 4: 8, 8: 8, 16: 8 },
      convClamp: 256,
      architecture: 'resnet',
      mbstdGroupSize: 4,
      mbstdNumChannels: 1,
    });
    // Exactly the names (and order) of the reference's G_ema.state_dict() / D.state_dict().
    expect([...ckpt.generator.keys()]).toEqual(manifest.generators.g16.g_keys);
    expect([...ckpt.discriminator!.keys()]).toEqual(manifest.generators.g16.d_keys);
    expect(ckpt.generator.get('synthesis.b8.conv0.noise_strength')!.shape).toEqual([]);
    checkAgainstReference(ckpt, 'g16');
  });

  it('rosinality .pt of the same weights gives identical internal tensors (G and D)', async () => {
    const nvidia = await loadStyleGanCheckpoint(read('g16_nvidia.pkl'));
    const rosinality = await loadStyleGanCheckpoint(read('g16_rosinality.pt'));
    expect(rosinality.config.layout).toBe('rosinality-pt');
    // Rosinality has no conv clamp and stores no w_avg beta; everything else is inferred the same.
    expect(rosinality.config.generator).toEqual({
      ...nvidia.config.generator,
      mapping: { ...nvidia.config.generator.mapping, wAvgBeta: null },
      synthesis: { ...nvidia.config.generator.synthesis, convClamp: null },
    });
    expect(rosinality.config.discriminator).toEqual({ ...nvidia.config.discriminator, convClamp: null });
    // Bitwise equal, which also shows the pickle's G_ema (not its perturbed G) was read.
    expectSameTensors(nvidia.generator, rosinality.generator);
    expectSameTensors(nvidia.discriminator!, rosinality.discriminator!);
  });

  it('rosinality-native config (8 mapping layers, z = w = 16, 32px): inferred and checked by value', async () => {
    const ckpt = await loadStyleGanCheckpoint(read('g32_rosinality.pt'));
    const g = ckpt.config.generator;
    expect([g.zDim, g.wDim, g.imgResolution, g.numWs, g.mapping.numLayers, g.synthesis.convClamp]).toEqual([16, 16, 32, 8, 8, null]);
    expect(g.synthesis.channels).toEqual({ 4: 16, 8: 16, 16: 8, 32: 8 });
    expect(ckpt.config.discriminator!.channels).toEqual({ 4: 8, 8: 8, 16: 8, 32: 8 });
    expect([...ckpt.generator.keys()]).toEqual(manifest.generators.g32.g_keys);
    expect([...ckpt.discriminator!.keys()]).toEqual(manifest.generators.g32.d_keys);
    checkAgainstReference(ckpt, 'g32');
  });

  it('the expected-output files match the configs they belong to', async () => {
    for (const [name, file] of [['g16', 'g16_nvidia.pkl'], ['g32', 'g32_rosinality.pt']] as const) {
      const { config } = await loadStyleGanCheckpoint(read(file));
      const g = config.generator;
      const ref = expected(name);
      expect(ref.get('seed0.ws.psi1')!.shape).toEqual([1, g.numWs, g.wDim]);
      expect(ref.get('seed0.img.psi1.const')!.shape).toEqual([1, g.imgChannels, g.imgResolution, g.imgResolution]);
      expect(ref.get('grad.seed0.ws.psi1.const')!.shape).toEqual([1, g.numWs, g.wDim]);
      expect(ref.get('d.batch3.logits')!.shape).toEqual([3, 1]);
    }
  });
});

describe('writers and round trips', () => {
  it('stylegpu format: save → load gives the same tensors and config', async () => {
    for (const file of ['g16_nvidia.pkl', 'g32_rosinality.pt']) {
      const ckpt = await loadStyleGanCheckpoint(read(file));
      const bytes = saveStyleGanCheckpoint(ckpt);
      expect(readSafetensors(bytes).metadata.format).toBe(STYLEGPU_FORMAT);
      const back = parseStyleGanCheckpoint(bytes);
      expect(back.config).toEqual({ ...ckpt.config, layout: 'stylegpu', source: ckpt.config.layout });
      expectSameTensors(ckpt.generator, back.generator);
      expectSameTensors(ckpt.discriminator!, back.discriminator!);
    }
  });

  it('rosinality export → reload gives identical tensors', async () => {
    const ckpt = await loadStyleGanCheckpoint(read('g16_nvidia.pkl'));
    const back = parseStyleGanCheckpoint(exportRosinality(ckpt));
    expect(back.config.layout).toBe('rosinality-pt');
    expectSameTensors(ckpt.generator, back.generator);
    expectSameTensors(ckpt.discriminator!, back.discriminator!);
  });

  it('torch 1.13 reads the rosinality export exactly as recorded by check_rosinality_export.py', async () => {
    const bytes = exportRosinality(await loadStyleGanCheckpoint(read('g16_nvidia.pkl')));
    if (process.env.STYLEGPU_WRITE_EXPORT) writeFileSync(process.env.STYLEGPU_WRITE_EXPORT, bytes);
    const check = JSON.parse(readFileSync(join(FIXTURES, 'expected', 'rosinality_export_check.json'), 'utf8'));
    expect(check.top_level_keys).toEqual(['d', 'g_ema', 'latent_avg']);
    for (const part of ['g_ema', 'd']) {
      expect(check[`${part}_strict_load`]).toEqual({ missing: [], unexpected: [] });
      expect(check[`${part}_type`]).toBe('OrderedDict');
      expect(check[`${part}_equal_to_torch_save_file`]).toBe(true);
    }
    expect(check.latent_avg_equal).toBe(true);
    expect(check.seed0_image_max_abs_diff_vs_expected).toBeLessThan(1e-5);
    // Our export today hashes to what torch read then.
    const root = parseTorchZipForHashes(bytes);
    for (const part of ['g_ema', 'd']) {
      expect(Object.keys(root[part]).sort()).toEqual(Object.keys(check[`${part}_sha256`]).sort());
      for (const [k, hash] of Object.entries(root[part])) expect(hash, `${part}.${k}`).toBe(check[`${part}_sha256`][k]);
    }
  });
});

/** sha256 of each exported tensor's f32 bytes, read back through the rosinality name mapping's own reader. */
function parseTorchZipForHashes(bytes: Uint8Array): Record<string, Record<string, string>> {
  const back = parseStyleGanCheckpoint(bytes);
  const g = back.config.generator;
  const out: Record<string, Record<string, string>> = { g_ema: {}, d: {} };
  const hash = (data: Float32Array, scale: number) =>
    createHash('sha256').update(Buffer.from(Float32Array.from(data, (v) => v * scale).buffer)).digest('hex');
  for (const p of generatorNameMapping(g, generatorShapes(g)).pairs) out.g_ema[p.rosinality] = hash(toFloat32(back.generator.get(p.internal)!), p.scale);
  // The discriminator keeps its values unscaled; hash through the same names.
  const d = rosinalityDiscriminatorNames(back);
  for (const [ros, internal] of d) out.d[ros] = hash(toFloat32(back.discriminator!.get(internal)!), 1);
  return out;
}

function rosinalityDiscriminatorNames(ckpt: StyleGanCheckpoint): Array<[string, string]> {
  const res = ckpt.config.discriminator!.imgResolution;
  const names: Array<[string, string]> = [['convs.0.0.weight', `b${res}.fromrgb.weight`], ['convs.0.1.bias', `b${res}.fromrgb.bias`]];
  for (let r = res, j = 1; r > 4; r /= 2, j++) {
    names.push([`convs.${j}.conv1.0.weight`, `b${r}.conv0.weight`], [`convs.${j}.conv1.1.bias`, `b${r}.conv0.bias`]);
    names.push([`convs.${j}.conv2.0.kernel`, `b${r}.conv1.resample_filter`], [`convs.${j}.conv2.1.weight`, `b${r}.conv1.weight`]);
    names.push([`convs.${j}.conv2.2.bias`, `b${r}.conv1.bias`], [`convs.${j}.skip.0.kernel`, `b${r}.skip.resample_filter`]);
    names.push([`convs.${j}.skip.1.weight`, `b${r}.skip.weight`]);
  }
  names.push(['final_conv.0.weight', 'b4.conv.weight'], ['final_conv.1.bias', 'b4.conv.bias']);
  names.push(['final_linear.0.weight', 'b4.fc.weight'], ['final_linear.0.bias', 'b4.fc.bias']);
  names.push(['final_linear.1.weight', 'b4.out.weight'], ['final_linear.1.bias', 'b4.out.bias']);
  return names;
}

// ---------------------------------------------------------------------------------------------------------------

describe('bad input gives a clear Error', () => {
  const load = (bytes: Uint8Array) => () => parseStyleGanCheckpoint(bytes);

  it('truncated files (pickle, zip, safetensors)', async () => {
    const pkl = read('g16_nvidia.pkl');
    expect(load(pkl.subarray(0, pkl.length >> 1))).toThrow(/loadStyleGanCheckpoint: cannot read the file/);
    const pt = read('g16_rosinality.pt');
    expect(load(pt.subarray(0, pt.length - 100))).toThrow(/loadStyleGanCheckpoint: cannot read the file.*(damaged or truncated|zip)/);
    const st = saveStyleGanCheckpoint(await loadStyleGanCheckpoint(pt));
    expect(load(st.subarray(0, st.length - 4))).toThrow(/loadStyleGanCheckpoint: cannot read the safetensors file/);
    expect(load(new Uint8Array(0))).toThrow(/loadStyleGanCheckpoint: cannot read the file/);
  });

  it('an unknown global inside the pickle is refused by name', () => {
    expect(load(read('unknown_global.pkl'))).toThrow(/refusing unknown global 'pathlib\.PosixPath'/);
  });

  it('a TensorFlow-era pickle', () => {
    expect(load(read('tf_era.pkl'))).toThrow(/TensorFlow-era StyleGAN pickle.*legacy\.py/);
  });

  it('an unknown layout', () => {
    const other = writeTorchCheckpoint(new Map<string, TorchSaveValue>([['state_dict', new PyOrderedDict()], ['epoch', 3]]));
    expect(load(other)).toThrow(/unknown checkpoint layout.*keys \[state_dict, epoch\]/);
    const plain = writeSafetensors({ x: { dtype: 'f32', shape: [1], data: new Float32Array(1) } });
    expect(load(plain)).toThrow(/no stylegpu StyleGAN metadata/);
  });

  /** A stylegpu file whose tensors were edited, written without the saver's checks. */
  async function editedStylegpu(edit: (tensors: Map<string, HostTensor>) => void): Promise<Uint8Array> {
    const file = readSafetensors(saveStyleGanCheckpoint(await loadStyleGanCheckpoint(read('g16_rosinality.pt'))));
    edit(file.tensors);
    return writeSafetensors(file.tensors, file.metadata);
  }

  it('missing, extra and wrongly shaped tensors (stylegpu format)', async () => {
    const missing = await editedStylegpu((t) => t.delete('G_ema.synthesis.b8.conv0.weight'));
    expect(load(missing)).toThrow(/generator \(G_ema\) is missing key 'synthesis\.b8\.conv0\.weight'/);
    const extra = await editedStylegpu((t) => t.set('G_ema.synthesis.b8.conv0.extra', { dtype: 'f32', shape: [2], data: new Float32Array(2) }));
    expect(load(extra)).toThrow(/unexpected key 'synthesis\.b8\.conv0\.extra' \[2\]/);
    const shape = await editedStylegpu((t) => t.set('D.b4.fc.bias', { dtype: 'f32', shape: [7], data: new Float32Array(7) }));
    expect(load(shape)).toThrow(/discriminator \(D\) key 'b4\.fc\.bias' has shape \[7\], expected \[8\]/);
    const stray = await editedStylegpu((t) => t.set('junk', { dtype: 'f32', shape: [1], data: new Float32Array(1) }));
    expect(load(stray)).toThrow(/unexpected key 'junk'/);
  });

  it('missing, extra and wrongly shaped tensors (rosinality .pt, named in rosinality terms)', async () => {
    const ckpt = await loadStyleGanCheckpoint(read('g16_rosinality.pt'));
    const rebuild = (edit: (g: PyOrderedDict) => void): Uint8Array => {
      const g = new PyOrderedDict();
      for (const p of generatorNameMapping(ckpt.config.generator, generatorShapes(ckpt.config.generator)).pairs) {
        const t = ckpt.generator.get(p.internal)!;
        g.set(p.rosinality, { dtype: 'f32', shape: p.rosinalityShape, data: Float32Array.from(toFloat32(t), (v) => v * p.scale) });
      }
      edit(g);
      return writeTorchCheckpoint(new Map<string, TorchSaveValue>([['g_ema', g]]));
    };
    expect(load(rebuild(() => {}))).not.toThrow();
    expect(load(rebuild((g) => g.delete('convs.1.noise.weight')))).toThrow(/rosinality generator \(g_ema\) is missing key 'convs\.1\.noise\.weight'/);
    expect(load(rebuild((g) => g.set('style.1.extra', { dtype: 'f32', shape: [1], data: new Float32Array(1) })))).toThrow(
      /rosinality generator \(g_ema\) has an unexpected key 'style\.1\.extra'/,
    );
    expect(load(rebuild((g) => g.set('to_rgb1.bias', { dtype: 'f32', shape: [3], data: new Float32Array(3) })))).toThrow(
      /key 'to_rgb1\.bias' has shape \[3\], expected \[1, 3, 1, 1\]/,
    );
    expect(load(rebuild((g) => g.delete('style.1.weight')))).toThrow(/key 'style\.1\.weight' is missing/);
  });

  it('a config that disagrees with the tensors, and invalid configs', async () => {
    const file = readSafetensors(saveStyleGanCheckpoint(await loadStyleGanCheckpoint(read('g16_rosinality.pt'))));
    const withConfig = (edit: (c: any) => void) => {
      const c = JSON.parse(file.metadata.config);
      edit(c);
      return writeSafetensors(file.tensors, { ...file.metadata, config: JSON.stringify(c) });
    };
    expect(load(withConfig((c) => (c.generator.zDim = 31)))).toThrow(/key 'mapping\.fc0\.weight' has shape \[32, 32\], expected \[32, 31\]/);
    expect(load(withConfig((c) => (c.generator.imgResolution = 12)))).toThrow(/imgResolution 12 is not a power of two/);
    expect(load(withConfig((c) => (c.generator.synthesis.architecture = 'resnet')))).toThrow(/architecture 'resnet'/);
    expect(load(withConfig((c) => delete c.discriminator))).toThrow(/discriminator tensors .* but no discriminator config/);
  });

  it('a missing file', async () => {
    await expect(loadStyleGanCheckpoint(join(FIXTURES, 'no-such-file.pkl'))).rejects.toThrow(/ENOENT/);
  });
});

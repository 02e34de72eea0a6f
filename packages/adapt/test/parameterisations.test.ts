/**
 * Every parameterisation, through the NADA/StyleDomain trainer on the 16-px fixture generator and
 * the tiny CLIP: it moves exactly its own tensors and nothing else; s_delta at α = 0 (and with zero
 * offsets) is the unadapted generator bit for bit; layer groups restrict the heads (32-px fixture).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, type Tensor, createRuntime, randomNormal } from '@stylegpu/kernels';
import { type GeneratorConfig, Generator, synthesisLayers } from '@stylegpu/stylegan';
import { type ClipModel, type ClipTokenizer, loadClip, loadTokenizer } from '@stylegpu/clip/node';
import { NadaTrainer, type ParameterisationSpec, StyleDelta, headGroup, buildObjectives, buildParameterisation, styleDomainTrainingFilter } from '../src/index.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G16 = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const G32 = join(pkgs, 'stylegan', 'fixtures', 'g32_rosinality.pt');

let rt: Runtime;
let clip: ClipModel;
let tokenizer: ClipTokenizer;
beforeAll(async () => {
  rt = await createRuntime();
  clip = (await loadClip(rt, join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf'))).model;
  tokenizer = await loadTokenizer(join(pkgs, 'clip', 'fixtures', 'hf-tiny'));
});
afterAll(() => {
  clip?.dispose();
  rt?.destroy();
});

async function read(ts: Iterable<[string, Tensor]>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of ts) out.set(k, Float32Array.from(await t.read()));
  return out;
}
const differs = (a: Float32Array, b: Float32Array) => a.some((v, i) => v !== b[i]);

/** Trains `steps` steps; returns which generator parameters and which owned tensors moved. */
async function train(path: string, spec: ParameterisationSpec, steps = 2) {
  const frozen = await Generator.load(rt, path);
  const trainable = await Generator.load(rt, path);
  const param = buildParameterisation(rt, trainable, spec);
  const trainer = new NadaTrainer(rt, frozen, trainable, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], {
    sourceClass: 'photo',
    targetClass: 'sketch',
    batch: 2,
    lr: 0.05,
    seed: 3,
    objectives: buildObjectives([
      { name: 'direction', weight: 1 },
      { name: 'indomain', weight: 0.25 },
    ]),
    parameterisation: param,
  });
  try {
    const gBefore = await read(trainable.params);
    const fBefore = await read(frozen.params);
    const named = param.named();
    const pBefore = await read(named);
    for (let i = 0; i < steps; i++) expect(Number.isFinite((await trainer.trainStep()).loss)).toBe(true);
    const movedG = new Set<string>();
    for (const [k, t] of trainable.params) if (differs(Float32Array.from(await t.read()), gBefore.get(k)!)) movedG.add(k);
    for (const [k, t] of frozen.params) expect(differs(Float32Array.from(await t.read()), fBefore.get(k)!), `frozen ${k}`).toBe(false);
    const movedNamed = new Set<string>();
    for (const [k, t] of named) if (differs(Float32Array.from(await t.read()), pBefore.get(k)!)) movedNamed.add(k);
    return { movedG, movedNamed, named: [...named.keys()], count: param.parameterCount(), param };
  } finally {
    trainer.dispose();
    param.dispose();
    frozen.dispose();
    trainable.dispose();
  }
}

describe('parameterisations move only their parameters', () => {
  it('original (NADA default) and synthesis: weights within the filter only', async () => {
    const syn = styleDomainTrainingFilter('synthesis');
    const r = await train(G16, { name: 'synthesis' });
    expect(r.movedG.size).toBeGreaterThan(10);
    for (const k of r.movedG) expect(syn(k), k).toBe(true);
    expect(r.named.every(syn)).toBe(true);
  });

  it('affine: only affine.weight / affine.bias (ToRGB affines included) move', async () => {
    const r = await train(G16, { name: 'affine' });
    expect(r.movedG.size).toBeGreaterThan(0);
    for (const k of r.movedG) expect(k, k).toMatch(/^synthesis\.b\d+\.(conv0|conv1|torgb)\.affine\.(weight|bias)$/);
    expect(r.named.filter((k) => k.includes('torgb')).length).toBe(6); // b4, b8, b16 ToRGB affine weight + bias
  });

  it('s_delta: the generator never moves; every head heads.conv_i.params_in does; 5 heads, no ToRGB', async () => {
    const r = await train(G16, { name: 's_delta' });
    expect([...r.movedG]).toEqual([]);
    expect(r.named).toEqual([0, 1, 2, 3, 4].map((i) => `heads.conv_${i}.params_in`));
    expect([...r.movedNamed].sort()).toEqual([...r.named].sort());
    // g16: conv channels b4.conv1, b8.conv0, b8.conv1, b16.conv0, b16.conv1 as inputs
    const g = await Generator.load(rt, G16);
    const want = g.layers.filter((l) => l.kind !== 'torgb').reduce((n, l) => n + l.inChannels, 0);
    g.dispose();
    expect(r.count).toBe(want);
  });

  it('affine_plus: affines and the kernel offsets at the chosen resolution, no other weight', async () => {
    const r = await train(G16, { name: 'affine_plus', kernelRes: 16 });
    for (const k of r.movedG) expect(k).toMatch(/\.affine\.(weight|bias)$/);
    expect(r.movedG.size).toBeGreaterThan(0);
    expect([...r.movedNamed].filter((k) => k.startsWith('kernel_offset.')).sort()).toEqual(['kernel_offset.b16.conv0', 'kernel_offset.b16.conv1', 'kernel_offset.b16.torgb']);
  });

  it('affine_light_plus: no generator weight moves; only the U factors and the kernel offsets', async () => {
    const r = await train(G16, { name: 'affine_light_plus', kernelRes: 8 });
    expect([...r.movedG]).toEqual([]);
    expect(r.named.some((k) => k.endsWith('.V'))).toBe(false);
    expect([...r.movedNamed].filter((k) => k.startsWith('kernel_offset.')).sort()).toEqual(['kernel_offset.b8.conv0', 'kernel_offset.b8.conv1', 'kernel_offset.b8.torgb']);
    expect([...r.movedNamed].some((k) => /^affine_offset\.b16\.conv1\.U$/.test(k))).toBe(true);
  });

  it('layer groups: medium on a 32-px generator trains only head conv_6 (b32.conv1) / its layers', async () => {
    const s = await train(G32, { name: 's_delta', groups: ['medium'] }, 1);
    expect(s.named).toEqual(['heads.conv_6.params_in']);
    expect([...s.movedNamed]).toEqual(['heads.conv_6.params_in']);
    const o = await train(G32, { name: 'original', phase: 'all', groups: ['medium'] }, 1);
    expect(o.movedG.size).toBeGreaterThan(0);
    for (const k of o.movedG) expect(k).toMatch(/^synthesis\.b32\.(conv1|torgb)\./);
  });

  it('refuses unknown names, phases, groups and a missing kernel resolution, naming the choices', async () => {
    const g = await Generator.load(rt, G16);
    try {
      expect(() => buildParameterisation(rt, g, { name: 'lora' })).toThrow("unknown parameterisation 'lora'; known: original, synthesis, affine, s_delta, affine_plus, affine_light_plus");
      expect(() => buildParameterisation(rt, g, { name: 'original', phase: 'nope' })).toThrow(/unknown phase 'nope'; expected one of default, texture/);
      expect(() => buildParameterisation(rt, g, { name: 's_delta', groups: ['middle'] })).toThrow(/unknown layer group 'middle'; expected coarse, medium, fine/);
      expect(() => buildParameterisation(rt, g, { name: 'affine_plus' })).toThrow(/kernel offsets go at 64 px but this 16-px generator has blocks at 4, 8, 16 px/);
    } finally {
      g.dispose();
    }
  });
});

describe('s_delta application', () => {
  it('α = 0, or zero offsets, gives the unadapted images bit for bit; α = 1 with offsets does not', async () => {
    const g = await Generator.load(rt, G16);
    const sd = new StyleDelta(rt, g);
    try {
      const ws = rt.keep(rt.noGrad(() => g.mapping(randomNormal(rt, [2, g.config.zDim], { seed: 7 }))));
      const plain = await rt.noGrad(() => rt.tidy(() => g.synthesis(ws))).read();
      const zeroOffsets = await rt.noGrad(() => rt.tidy(() => sd.synthesis(ws))).read();
      expect(Array.from(zeroOffsets)).toEqual(Array.from(plain));
      sd.load(new Map([...sd.deltas].map(([k, d]) => [k, Float32Array.from({ length: d.size }, (_, i) => Math.sin(i + 1))])));
      sd.power = 0;
      const alpha0 = await rt.noGrad(() => rt.tidy(() => sd.synthesis(ws))).read();
      expect(Array.from(alpha0)).toEqual(Array.from(plain));
      sd.power = 1;
      const alpha1 = await rt.noGrad(() => rt.tidy(() => sd.synthesis(ws))).read();
      expect(differs(Float32Array.from(alpha1), Float32Array.from(plain))).toBe(true);
      ws.dispose();
    } finally {
      sd.dispose();
      g.dispose();
    }
  });
});


describe('s_delta layout at 1024 px (config-f channels)', () => {
  it('17 heads, 6048 numbers (the released files\' size), groups 6 / 5 / 6', () => {
    const channels: Record<string, number> = { 4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32 };
    const heads = synthesisLayers({ imgResolution: 1024, imgChannels: 3, synthesis: { channels } } as unknown as GeneratorConfig).filter((l) => l.kind !== 'torgb');
    expect(heads).toHaveLength(17);
    expect(heads.reduce((n, l) => n + l.inChannels, 0)).toBe(6048);
    const groups = heads.map((_, i) => headGroup(i));
    expect(['coarse', 'medium', 'fine'].map((g) => groups.filter((x) => x === g).length)).toEqual([6, 5, 6]);
  });
});

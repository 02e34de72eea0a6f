/**
 * Released-file layouts: StyleDomain s_delta direction files and NADA generator checkpoints, read
 * from fixtures torch wrote in exactly those layouts (fixtures/make_styledomain_fixtures.py), written
 * back in the same layouts and read again; bad files refused with the file named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, createRuntime, randomNormal } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { directionFromFile, exportNadaGenerator, loadNadaGenerator, readStyleDomainDirection, writeStyleDomainDirection } from '../src/index.js';

const fx = join(import.meta.dirname, '..', 'fixtures');
const sg = join(import.meta.dirname, '..', '..', 'stylegan', 'fixtures');
const bytes = (p: string) => new Uint8Array(readFileSync(p));

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe('StyleDomain direction files', () => {
  const expected = JSON.parse(readFileSync(join(fx, 'sdelta_g16.json'), 'utf8')) as { c_in: number[]; heads: Record<string, string[]> };

  it('reads a text-driven s_delta file: every head, its values, da_type; maps head i to the i-th conv', async () => {
    const f = readStyleDomainDirection(bytes(join(fx, 'sdelta_g16_td.pt')), 'sdelta_g16_td.pt');
    expect(f.daType).toBe('td');
    expect(f.heads.map((h) => h.length)).toEqual(expected.c_in);
    f.heads.forEach((h, i) => expect(Array.from(h)).toEqual(expected.heads[`heads.conv_${i}.params_in`].map((s) => Math.fround(Number(s)))));
    expect(f.sg2Params?.get('img_size')).toBe(16);
    const g = await Generator.load(rt, join(sg, 'g16_rosinality.pt'));
    try {
      const d = directionFromFile(f, g);
      expect([...d.keys()]).toEqual(['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1']);
      expect(d.get('b8.conv1')).toBe(f.heads[2]);
      // written in the official layout and read back: identical
      const again = readStyleDomainDirection(writeStyleDomainDirection(d, g), 'round trip');
      expect(again.daType).toBe('td');
      expect(again.heads.map((h) => Array.from(h))).toEqual(f.heads.map((h) => Array.from(h)));
      expect(again.sg2Params?.get('img_size')).toBe(16);
    } finally {
      g.dispose();
    }
  });

  it('reads an im2im file with its style latents', () => {
    const f = readStyleDomainDirection(bytes(join(fx, 'sdelta_g16_im2im.pt')), 'sdelta_g16_im2im.pt');
    expect(f.daType).toBe('im2im');
    expect(f.styleLatents?.shape).toEqual([1, 2, 16]);
  });

  it('refuses other files and other generators, naming the file and what is wrong', async () => {
    expect(() => readStyleDomainDirection(bytes(join(fx, 'nada_g16.pt')), 'nada_g16.pt')).toThrow(
      "nada_g16.pt: not a StyleDomain direction file: model_type is null, expected 'parametrization'",
    );
    expect(() => readStyleDomainDirection(new Uint8Array([1, 2, 3]), 'junk.pt')).toThrow(/junk\.pt/);
    const f = readStyleDomainDirection(bytes(join(fx, 'sdelta_g16_td.pt')));
    const g32 = await Generator.load(rt, join(sg, 'g32_rosinality.pt'));
    try {
      expect(() => directionFromFile(f, g32, 'sdelta_g16_td.pt')).toThrow('sdelta_g16_td.pt: the direction was trained on a 16-px generator; this one is 32 px');
      f.sg2Params = null;
      expect(() => directionFromFile(f, g32, 'sdelta_g16_td.pt')).toThrow('sdelta_g16_td.pt: 5 heads, but this 32-px generator has 7 modulated convs');
    } finally {
      g32.dispose();
    }
  });
});

describe('NADA generator checkpoints', () => {
  it('loads {g_ema, g_optim} (g_optim ignored) and exports {g_ema, latent_avg} that loads back bit for bit', async () => {
    const base = await Generator.load(rt, join(sg, 'g16_rosinality.pt'));
    await expect(Generator.load(rt, join(fx, 'nada_g16.pt'))).rejects.toThrow(/missing weights: mapping.w_avg/); // why loadNadaGenerator exists
    const nada = await loadNadaGenerator(rt, join(fx, 'nada_g16.pt'));
    try {
      // the fixture's convs.*.conv.weight are ×1.5; conv1 (b4) is unchanged
      const b = await base.params.get('synthesis.b16.conv1.weight')!.read();
      const n = await nada.params.get('synthesis.b16.conv1.weight')!.read();
      expect(Array.from(n)).toEqual(Array.from(b, (x) => Math.fround(x * 1.5)));
      expect(Array.from(await nada.params.get('synthesis.b4.conv1.weight')!.read())).toEqual(Array.from(await base.params.get('synthesis.b4.conv1.weight')!.read()));
      // w_avg: the mean of 4096 mapped z (NADA's mean_latent), checked against the same mean done here
      const ws = rt.noGrad(() => nada.mapping(randomNormal(rt, [4096, nada.config.zDim], { seed: 0 })));
      const host = await ws.read();
      ws.dispose();
      const W = nada.config.wDim;
      const want = new Float64Array(W);
      for (let i = 0; i < host.length; i++) want[i % W] += host[i] / (host.length / W);
      const got = await nada.params.get('mapping.w_avg')!.read();
      for (let j = 0; j < W; j++) expect(Math.abs(got[j] - want[j])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[j])));
      const back = await Generator.load(rt, await exportNadaGenerator(nada));
      try {
        for (const [k, t] of nada.params) {
          const other = back.params.get(k);
          expect(other, k).toBeDefined();
          expect(Array.from(await other!.read()), k).toEqual(Array.from(await t.read()));
        }
      } finally {
        back.dispose();
      }
    } finally {
      base.dispose();
      nada.dispose();
    }
  });
});

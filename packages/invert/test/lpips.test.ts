/**
 * LPIPS-VGG16 from weights in the official layouts (torchvision `features.N.*` + lpips `linL.model.1.weight`),
 * on a tiny VGG-shaped fixture made with PyTorch (fixtures/make_lpips_fixture.py): distances against the
 * float64 reference, the projector's feature form, and clear refusals of incomplete or mis-shaped weights.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostTensor, flattenStateDict, readTorchCheckpoint } from '@stylegpu/io';
import { type Runtime, backward, createRuntime, sum } from '@stylegpu/kernels';
import { LpipsVgg16, lpipsDistance, lpipsWeightsFromStateDicts } from '../src/losses/lpips-vgg16.js';
import { loadLpipsWeights } from '../src/files/load-lpips.js';

const dir = new URL('../fixtures/', import.meta.url).pathname;
const FEATURES = `${dir}tiny_vgg16_features.pth`;
const LINS = `${dir}tiny_lpips_lin.pth`;
const expected = JSON.parse(readFileSync(`${dir}tiny_lpips_expected.json`, 'utf8')) as {
  shape: number[];
  a: number[];
  b: number[];
  lpips: number[];
  lpips_self: number[];
};

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

const stateDict = (path: string): Map<string, HostTensor> => flattenStateDict(readTorchCheckpoint(new Uint8Array(readFileSync(path))).root);

describe('LPIPS-VGG16 (tiny fixture in the official layout)', () => {
  it('matches the float64 reference distances', async () => {
    const lpips = new LpipsVgg16(rt, await loadLpipsWeights([FEATURES, LINS]));
    const d = rt.tidy(() => lpips.distance(rt.tensor(Float32Array.from(expected.a), expected.shape), rt.tensor(Float32Array.from(expected.b), expected.shape)));
    const got = await d.read();
    for (let i = 0; i < 2; i++) expect(Math.abs(got[i] - expected.lpips[i]) / expected.lpips[i], `pair ${i}: ${got[i]} vs ${expected.lpips[i]}`).toBeLessThan(2e-5);
    d.dispose();
    lpips.dispose();
  });

  it("gives the projector's distance: Σ(φ(target) − φ(synth))² = LPIPS", async () => {
    const lpips = new LpipsVgg16(rt, lpipsWeightsFromStateDicts([stateDict(FEATURES), stateDict(LINS)]));
    const n = 3 * 20 * 20;
    const target = rt.tensor(Float32Array.from(expected.a.slice(0, n)), [1, 3, 20, 20]);
    const pd = lpipsDistance(lpips, target);
    const d = rt.tidy(() => pd.distance(rt.tensor(Float32Array.from(expected.b.slice(0, n)), [1, 3, 20, 20])));
    expect(Math.abs((await d.read())[0] - expected.lpips[0]) / expected.lpips[0]).toBeLessThan(2e-5);
    for (const t of [d, target]) t.dispose();
    pd.dispose();
    lpips.dispose();
  });

  it("reads a full LPIPS state dict's layout (net.sliceK.idx.*) as well", async () => {
    const starts = [0, 4, 9, 16, 23];
    const renamed = new Map<string, HostTensor>();
    for (const [k, v] of stateDict(FEATURES)) {
      const idx = Number(k.split('.')[1]);
      renamed.set(`net.slice${starts.filter((s) => s <= idx).length}.${idx}.${k.split('.')[2]}`, v);
    }
    const lpips = new LpipsVgg16(rt, lpipsWeightsFromStateDicts([renamed, stateDict(LINS)]));
    const d = rt.tidy(() => lpips.distance(rt.tensor(Float32Array.from(expected.a), expected.shape), rt.tensor(Float32Array.from(expected.b), expected.shape)));
    const got = await d.read();
    for (let i = 0; i < 2; i++) expect(Math.abs(got[i] - expected.lpips[i]) / expected.lpips[i]).toBeLessThan(2e-5);
    d.dispose();
    lpips.dispose();
  });

  it('has a finite gradient where a tap is all zeros (dead ReLUs): no √0 NaN', async () => {
    // Every bias −100: every activation is 0, so every tap is the zero vector at every pixel.
    const dead = new Map<string, HostTensor>();
    for (const [k, v] of stateDict(FEATURES)) dead.set(k, k.endsWith('bias') ? { ...v, data: new Float32Array(v.data.length).fill(-100) } : v);
    const lpips = new LpipsVgg16(rt, lpipsWeightsFromStateDicts([dead, stateDict(LINS)]));
    const x = rt.tensor(Float32Array.from(expected.a), expected.shape);
    x.requiresGrad = true;
    const d = rt.tidy(() => {
      const v = sum(lpips.distance(x, rt.tensor(Float32Array.from(expected.b), expected.shape)));
      backward(v);
      return v;
    });
    expect((await d.read())[0]).toBe(0);
    expect((await x.grad!.read()).every((g) => Number.isFinite(g))).toBe(true);
    d.dispose();
    x.dispose();
    lpips.dispose();
  });

  it('refuses incomplete or mis-shaped weights, naming the key', () => {
    const features = stateDict(FEATURES);
    const lins = stateDict(LINS);
    expect(() => lpipsWeightsFromStateDicts([features])).toThrow(/no LPIPS linear head 'lin0\.model\.1\.weight'.*lpips package/);
    const noConv = new Map(features);
    noConv.delete('features.12.weight');
    expect(() => lpipsWeightsFromStateDicts([noConv, lins])).toThrow(/features\.12\.weight/);
    const badLin = new Map(lins);
    badLin.set('lin2.model.1.weight', { dtype: 'f32', shape: [1, 9, 1, 1], data: new Float32Array(9) });
    expect(() => lpipsWeightsFromStateDicts([features, badLin])).toThrow(/'lin2\.model\.1\.weight' is \[1, 9, 1, 1\], expected \[1, 6, 1, 1\]/);
  });

  it('refuses files that are not state dicts, naming the file', async () => {
    await expect(loadLpipsWeights([`${dir}tiny_lpips_expected.json`])).rejects.toThrow(/tiny_lpips_expected\.json: cannot read it as a PyTorch state dict/);
    await expect(loadLpipsWeights([`${dir}missing.pth`])).rejects.toThrow(/missing\.pth: no such file/);
  });
});

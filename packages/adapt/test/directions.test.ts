/**
 * What StyleDomain directions allow, checked against StyleSpace arithmetic done by hand in float64:
 * mixing, sequential stacking, transfer to another generator, morphing, sparsification; the PNG
 * strip and GIF morph outputs; refusals.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '@stylegpu/io';
import { type Runtime, type Tensor, createRuntime, randomNormal } from '@stylegpu/kernels';
import { makeRng, randn } from '@stylegpu/kernels/testing';
import { Generator, type StyleSpace } from '@stylegpu/stylegan';
import {
  type StyleDirection,
  directionLayout,
  mixDirections,
  morphGif,
  renderMorph,
  renderWithDirections,
  sparsifyDirection,
  stripPng,
} from '../src/node.js';

const pkgs = join(import.meta.dirname, '..', '..');
const G16 = join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const G32 = join(pkgs, 'stylegan', 'fixtures', 'g32_rosinality.pt');

let rt: Runtime;
let g: Generator;
let ws: Tensor;
beforeAll(async () => {
  rt = await createRuntime();
  g = await Generator.load(rt, G16);
  ws = rt.keep(rt.noGrad(() => g.mapping(randomNormal(rt, [2, g.config.zDim], { seed: 11 }))));
});
afterAll(() => {
  ws?.dispose();
  g?.dispose();
  rt?.destroy();
});

function randomDirection(gen: Generator, seed: number, scale = 0.5): StyleDirection {
  const rng = makeRng(seed);
  return new Map(directionLayout(gen).map(([k, n]) => [k, Float32Array.from(randn(rng, n), (v) => v * scale)]));
}

/** S(ws) on the host, S + Σ c_k Δ_k in float64 (rounded once), synthesised from those styles. */
async function handImages(gen: Generator, terms: Array<[StyleDirection, number]>): Promise<Float32Array> {
  const styles = rt.noGrad(() => gen.styles(ws));
  const host = new Map<string, Float32Array>();
  for (const [k, t] of styles) host.set(k, Float32Array.from(await t.read()));
  for (const t of styles.values()) t.dispose();
  const edited: StyleSpace = new Map();
  for (const [k, s] of host) {
    const C = s.length / 2;
    const out = Float64Array.from(s);
    for (const [d, c] of terms) {
      const v = d.get(k);
      if (v) for (let i = 0; i < out.length; i++) out[i] += c * v[i % C];
    }
    edited.set(k, rt.tensor(Float32Array.from(out), [2, C]));
  }
  const img = rt.noGrad(() => gen.synthesisFromStyles(edited));
  const data = Float32Array.from(await img.read());
  img.dispose();
  for (const t of edited.values()) t.dispose();
  return data;
}

async function readDispose(t: Tensor): Promise<Float32Array> {
  const d = Float32Array.from(await t.read());
  t.dispose();
  return d;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('directions', () => {
  it('apply with power α and linear mixing equal S + Σ c_k·Δ_k done by hand', async () => {
    const a = randomDirection(g, 1);
    const b = randomDirection(g, 2);
    const mixed = mixDirections([
      { direction: a, weight: 0.3 },
      { direction: b, weight: 0.7 },
    ]);
    const got = await readDispose(rt.tidy(() => renderWithDirections(g, ws, [{ direction: mixed, power: 0.8 }])));
    const want = await handImages(g, [[new Map([...a].map(([k, v]) => [k, Float32Array.from(v, (x, i) => 0.3 * x + 0.7 * b.get(k)![i])])), 0.8]]);
    expect(maxAbsDiff(got, want)).toBeLessThan(2e-5);
    // and the direction really does something at this scale
    const plain = await handImages(g, []);
    expect(maxAbsDiff(got, plain)).toBeGreaterThan(1e-2);
  });

  it('sequential stacking adds each direction in turn', async () => {
    const a = randomDirection(g, 3);
    const b = randomDirection(g, 4);
    const got = await readDispose(rt.tidy(() => renderWithDirections(g, ws, [{ direction: a, power: 0.6 }, { direction: b, power: 0.6 }])));
    const want = await handImages(g, [
      [a, 0.6],
      [b, 0.6],
    ]);
    expect(maxAbsDiff(got, want)).toBeLessThan(2e-5);
  });

  it('transfer: a direction applied to another (fine-tuned) generator uses that generator’s styles', async () => {
    const g2 = await Generator.load(rt, G16);
    try {
      // "fine-tune" g2: shift every affine bias, so its S differs from g's
      for (const [name, t] of g2.params) {
        if (!name.endsWith('affine.bias')) continue;
        const v = Float32Array.from(await t.read(), (x, i) => x + 0.2 * Math.sin(i));
        rt.tidy(() => rt.copy(rt.tensor(v, t.shape), t));
      }
      const d = randomDirection(g, 5);
      const got = await readDispose(rt.tidy(() => renderWithDirections(g2, ws, [{ direction: d, power: 0.9 }])));
      expect(maxAbsDiff(got, await handImages(g2, [[d, 0.9]]))).toBeLessThan(2e-5);
      expect(maxAbsDiff(got, await handImages(g, [[d, 0.9]]))).toBeGreaterThan(1e-3);
    } finally {
      g2.dispose();
    }
  });

  it('morphing: equal endpoints give the generator bit for bit; α = 1 gives the first, α = 0 the second', async () => {
    const g2 = await Generator.load(rt, G16);
    try {
      const d = randomDirection(g, 6);
      const same = await readDispose(rt.tidy(() => renderMorph(g, g2, 0.37, ws, [{ direction: d, power: 0.5 }])));
      expect(Array.from(same)).toEqual(Array.from(await readDispose(rt.tidy(() => renderWithDirections(g, ws, [{ direction: d, power: 0.5 }])))));
      for (const [name, t] of g2.params) {
        if (!name.endsWith('.weight')) continue;
        const v = Float32Array.from(await t.read(), (x, i) => x * (1 + 0.3 * Math.cos(i)));
        rt.tidy(() => rt.copy(rt.tensor(v, t.shape), t));
      }
      const at1 = await readDispose(rt.tidy(() => renderMorph(g, g2, 1, ws)));
      const at0 = await readDispose(rt.tidy(() => renderMorph(g, g2, 0, ws)));
      const half = await readDispose(rt.tidy(() => renderMorph(g, g2, 0.5, ws)));
      const plainA = await readDispose(rt.noGrad(() => rt.tidy(() => g.synthesis(ws))));
      const plainB = await readDispose(rt.noGrad(() => rt.tidy(() => g2.synthesis(ws))));
      expect(maxAbsDiff(at1, plainA)).toBeLessThan(1e-5);
      expect(maxAbsDiff(at0, plainB)).toBeLessThan(1e-5);
      expect(maxAbsDiff(half, plainA)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(half, plainB)).toBeGreaterThan(1e-3);
    } finally {
      g2.dispose();
    }
  });

  it('sparsify zeroes the ⌊p·N⌋ smallest |Δ| over the whole direction', () => {
    const d: StyleDirection = new Map([
      ['b4.conv1', Float32Array.of(0.5, -0.1, 0.02)],
      ['b8.conv0', Float32Array.of(-0.3, 0.01, 0.9, -0.05)],
    ]);
    const s = sparsifyDirection(d, 0.5); // N = 7 → zero 3: 0.01, 0.02, -0.05
    expect(Array.from(s.get('b4.conv1')!)).toEqual(Array.from(Float32Array.of(0.5, -0.1, 0)));
    expect(Array.from(s.get('b8.conv0')!)).toEqual(Array.from(Float32Array.of(-0.3, 0, 0.9, 0)));
    expect(Array.from(sparsifyDirection(d, 1).get('b8.conv0')!)).toEqual([0, 0, 0, 0]);
    expect(Array.from(d.get('b8.conv0')!)).toEqual(Array.from(Float32Array.of(-0.3, 0.01, 0.9, -0.05))); // input untouched
    expect(() => sparsifyDirection(d, 1.5)).toThrow(/fraction to zero must be in \[0, 1\], got 1.5/);
  });

  it('writes a PNG strip and a GIF morph of the right size', async () => {
    const imgs = await readDispose(rt.tidy(() => renderWithDirections(g, ws, [])));
    const R = g.config.imgResolution;
    const a = imgs.subarray(0, 3 * R * R);
    const b = imgs.subarray(3 * R * R);
    const png = decodePng(stripPng([[a, b, a], [b, a, b]], R));
    expect([png.width, png.height]).toEqual([3 * R, 2 * R]);
    const px = (ch: number, x: number, y: number) => png.data[(y * png.width + x) * png.channels + ch];
    expect(px(0, R + 2, 3)).toBe(Math.trunc(Math.min(255, Math.max(0, b[3 * R + 2] * 127.5 + 128))));
    const gif = morphGif([[a], [b], [a]], R);
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
  });

  it('refuses a direction made for another generator, naming the layers', async () => {
    const g32 = await Generator.load(rt, G32);
    try {
      const d = randomDirection(g32, 7);
      expect(() => rt.tidy(() => renderWithDirections(g, ws, [{ direction: d, power: 1 }]))).toThrow(
        "direction 1: layer b4.conv1 has 16 offsets; this generator's b4.conv1 has 8 style channels",
      );
      const extra = randomDirection(g, 9).set('b32.conv0', new Float32Array(8));
      expect(() => rt.tidy(() => renderWithDirections(g, ws, [{ direction: extra, power: 1 }]))).toThrow(
        /direction 1: layer 'b32.conv0' is not a conv layer of this 16-px generator \(it has b4.conv1, b8.conv0, b8.conv1, b16.conv0, b16.conv1\)/,
      );
      const g16d = randomDirection(g, 8);
      const short = randomDirection(g32, 8);
      short.delete('b32.conv0');
      expect(() => rt.tidy(() => renderWithDirections(g32, ws, [{ direction: short, power: 1 }]))).toThrow('direction 1: no offsets for layer b32.conv0 (a direction for a smaller generator?)');
      expect(() => mixDirections([{ direction: d, weight: 1 }, { direction: g16d, weight: 1 }])).toThrow(/direction 2 has another layout than direction 1/);
    } finally {
      g32.dispose();
    }
  });
});

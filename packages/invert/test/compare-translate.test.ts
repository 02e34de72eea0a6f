/**
 * Smoke run of the comparison harness on the g16 fixture (every space, two held-out generated images, a few
 * steps), and image-to-image translation: through the same weights (the rosinality copy of g16) it reproduces
 * the reconstruction; a generator of another architecture is refused.
 */
import { relError } from '@stylegpu/kernels/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, createRuntime } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { compareInversions, comparisonMarkdown } from '../src/compare.js';
import { type LatentStats, latentStats } from '../src/projection/latent-stats.js';
import { PROJECTION_SPACES } from '../src/projection/latent-variable.js';
import { translateImage } from '../src/translate.js';

/** relError's scale: max |reference|, but never less than 1e-6. */
const SCALE_FLOOR = 1e-6;

const fixture = (name: string) => new URL(`../../stylegan/fixtures/${name}`, import.meta.url).pathname;

let rt: Runtime;
let G: Generator;
let stats: LatentStats;
beforeAll(async () => {
  rt = await createRuntime();
  G = await Generator.load(rt, fixture('g16_nvidia.pkl'));
  stats = await latentStats(rt, G, { samples: 2000 });
});
afterAll(() => {
  G?.dispose();
  rt?.destroy();
});

async function generated(seed: number): Promise<Float32Array> {
  const { zDim } = G.config;
  const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(seed, zDim)), [1, zDim]), { truncationPsi: 0.8 }), { noiseMode: 'random', noiseSeed: seed })));
  const d = (await img.read()) as Float32Array;
  img.dispose();
  return d;
}

describe('compareInversions (smoke, g16)', () => {
  it('gives a Markdown table with PSNR, SSIM and path ratio for every space', async () => {
    const images = [await generated(11), await generated(12)];
    const rows = await compareInversions(rt, G, images, { spaces: [...PROJECTION_SPACES], numSteps: 12, stats, interpolationSegments: 4 });
    const table = comparisonMarkdown(rows, 'g16 fixture, 12 steps');
    console.log(table);
    expect(rows.map((r) => r.space)).toEqual([...PROJECTION_SPACES]);
    for (const r of rows) {
      expect(r.psnr).toHaveLength(2);
      for (const s of r.ssim) expect(s).toBeLessThanOrEqual(1);
      // A path is never shorter than the straight line between its ends.
      expect(r.pathRatio).toHaveLength(1);
      expect(r.pathRatio[0]).toBeGreaterThanOrEqual(1 - 1e-9);
    }
    expect(table.split('\n').filter((l) => l.startsWith('| ')).length).toBe(2 + PROJECTION_SPACES.length); // header, rule, rows
  });
});

describe('translateImage', () => {
  it('through the same weights (rosinality copy) reproduces the reconstruction', async () => {
    const G2 = await Generator.load(rt, fixture('g16_rosinality.pt'));
    const img = await generated(21);
    const target = rt.tensor(img, [1, 3, 16, 16]);
    const r = await translateImage(rt, G, G2, target, { numSteps: 10, stats });
    expect(r.projection.space).toBe('w+');
    expect(relError(r.image, r.projection.image, SCALE_FLOOR)).toBeLessThan(2e-5);
    target.dispose();
    G2.dispose();
  });

  it('refuses a generator of another architecture', async () => {
    const G3 = await Generator.load(rt, fixture('g32_rosinality.pt'));
    const target = rt.tensor(new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
    await expect(translateImage(rt, G, G3, target, { numSteps: 1, stats })).rejects.toThrow(/differ in architecture \(16 px.*32 px/);
    target.dispose();
    G3.dispose();
  });
});

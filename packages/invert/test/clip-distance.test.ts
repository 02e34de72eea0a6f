/**
 * The CLIP perceptual term (used when no LPIPS weights are given), with the tiny CLIP fixture: zero for the
 * target itself, 1 − cos of the embeddings otherwise (checked against encodeImage directly), and a
 * projection driven by it alone lowers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, createRuntime, cosineSimilarity } from '@stylegpu/kernels';
import { ClipModel, preprocessGenerated } from '@stylegpu/clip';
import { loadClipCheckpoint } from '@stylegpu/clip/node';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { clipImageDistance } from '../src/losses/clip-distance.js';
import { latentStats } from '../src/projection/latent-stats.js';
import { project } from '../src/projection/project.js';

const CLIP = new URL('../../clip/fixtures/clip-tiny-a/hf', import.meta.url).pathname;
const G16 = new URL('../../stylegan/fixtures/g16_nvidia.pkl', import.meta.url).pathname;

let rt: Runtime;
let clip: ClipModel;
let G: Generator;
beforeAll(async () => {
  rt = await createRuntime();
  const { config, weights } = await loadClipCheckpoint(CLIP);
  clip = ClipModel.fromWeights(rt, config, weights);
  G = await Generator.load(rt, G16);
});
afterAll(() => {
  clip?.dispose();
  G?.dispose();
  rt?.destroy();
});

const image = (seed: number) =>
  rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(seed, 32)), [1, 32]), { truncationPsi: 0.8 }))));

describe('clipImageDistance (tiny CLIP fixture)', () => {
  it('is 0 for the target and 1 − cos(E(a), E(b)) otherwise', async () => {
    const a = image(1);
    const b = image(2);
    const d = clipImageDistance(clip, a);
    const [self, other, cos] = rt.noGrad(() =>
      rt.tidy(() => {
        const size = clip.config.vision.imageSize;
        const e = (x: typeof a) => clip.encodeImage(preprocessGenerated(x, { size }));
        return [d.distance(a), d.distance(b), cosineSimilarity(e(a), e(b), -1)];
      }),
    );
    expect(Math.abs((await self.read())[0])).toBeLessThan(1e-6);
    const want = 1 - (await cos.read())[0];
    expect(want).toBeGreaterThan(1e-4);
    expect(Math.abs((await other.read())[0] - want)).toBeLessThan(1e-6);
    for (const t of [a, b, self, other, cos]) t.dispose();
    d.dispose();
  });

  it('drives a projection on its own (mseWeight 0): the CLIP distance falls', async () => {
    const target = image(3);
    const d = clipImageDistance(clip, target);
    const perceptual: number[] = [];
    await project(rt, G, target, {
      space: 'w+',
      numSteps: 15,
      stats: await latentStats(rt, G, { samples: 1000 }),
      perceptual: d,
      mseWeight: 0,
      optimizeNoise: false,
      onStep: (s) => void perceptual.push(s.perceptual!),
    });
    console.log(`CLIP distance ${perceptual[0].toFixed(5)} → ${perceptual.at(-1)!.toFixed(5)}`);
    expect(perceptual.at(-1)!).toBeLessThan(perceptual[0]);
    d.dispose();
    target.dispose();
  });
});

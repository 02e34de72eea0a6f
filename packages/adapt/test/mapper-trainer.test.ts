import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, createRuntime, randomNormal } from '@stylegpu/kernels';
import { Generator } from '@stylegpu/stylegan';
import { type ClipModel, type ClipTokenizer, loadClip, loadTokenizer, preprocessGenerated } from '@stylegpu/clip/node';
import { MapperTrainer, classTextEmbedding, globalClipLoss } from '../src/index.js';

const pkgs = join(import.meta.dirname, '..', '..');
let rt: Runtime;
let clip: ClipModel;
let tokenizer: ClipTokenizer;
let G: Generator;
beforeAll(async () => {
  rt = await createRuntime();
  clip = (await loadClip(rt, join(pkgs, 'clip', 'fixtures', 'clip-tiny-a', 'hf'))).model;
  tokenizer = await loadTokenizer(join(pkgs, 'clip', 'fixtures', 'hf-tiny'));
  G = await Generator.load(rt, join(pkgs, 'stylegan', 'fixtures', 'g16_nvidia.pkl'));
});
afterAll(() => {
  G?.dispose();
  clip?.dispose();
  rt?.destroy();
});

/** The CLIP term alone on a fixed batch of edited images. */
async function clipTerm(t: MapperTrainer): Promise<number> {
  const v = rt.noGrad(() =>
    rt.tidy(() => {
      const { edited } = t.samples(randomNormal(rt, [6, G.config.zDim], { seed: 42, offset: 0 }));
      const text = classTextEmbedding((x) => clip.encodeText(tokenizer.tokenize(x)), 'a sketch', ['{}']);
      return globalClipLoss(clip.encodeImage(preprocessGenerated(edited, { size: clip.config.vision.imageSize })), text);
    }),
  );
  const r = await v.item();
  v.dispose();
  return r;
}

describe('MapperTrainer (the latent mapper stage)', () => {
  it('trains only the mapper and moves edited images toward the description', async () => {
    const t = new MapperTrainer(rt, G, [{ name: 'tiny', model: clip, tokenizer, weight: 1 }], { description: 'a sketch', lr: 0.05, batch: 2 });
    try {
      const gBefore = await G.params.get('synthesis.b8.conv1.weight')!.read();
      const mBefore = await t.mapper.parameters()[0].read();
      const before = await clipTerm(t);
      for (let i = 0; i < 10; i++) expect(Number.isFinite((await t.trainStep()).loss)).toBe(true);
      const after = await clipTerm(t);
      expect(after).toBeLessThan(before);
      expect(Array.from(await G.params.get('synthesis.b8.conv1.weight')!.read())).toEqual(Array.from(gBefore));
      expect(Array.from(await t.mapper.parameters()[0].read())).not.toEqual(Array.from(mBefore));
    } finally {
      t.dispose();
    }
  });

  it('refuses an empty description and a missing CLIP model', () => {
    const clips = [{ name: 'tiny', model: clip, tokenizer, weight: 1 }];
    expect(() => new MapperTrainer(rt, G, clips, { description: '  ' })).toThrow(/description is empty/);
    expect(() => new MapperTrainer(rt, G, [], { description: 'x' })).toThrow(/at least one CLIP model/);
  });
});

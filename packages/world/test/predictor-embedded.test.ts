/**
 * Embedded predictors by name: `embedded:shapes32-predictor` resolves in the folder
 * STYLEGPU_EMBEDDED_DIR names (here a temporary one holding a saved predictor), loads with the same
 * config and weights, and unknown names and absent files are refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultPredictorConfig, embeddedPredictorUrl, FactorPredictor, loadPredictor } from '../src/predictor/index.js';
import { loadWorld } from '../src/index.js';

const before = process.env.STYLEGPU_EMBEDDED_DIR;
afterEach(() => {
  if (before === undefined) delete process.env.STYLEGPU_EMBEDDED_DIR;
  else process.env.STYLEGPU_EMBEDDED_DIR = before;
});
let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

describe('embedded predictors', () => {
  it("resolve to the package's embedded/ folder by default", () => {
    delete process.env.STYLEGPU_EMBEDDED_DIR;
    expect(fileURLToPath(embeddedPredictorUrl('embedded:shapes32-predictor'))).toBe(join(import.meta.dirname, '..', 'embedded', 'shapes32-predictor.safetensors'));
  });

  it('load by name (and from a path) as saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-predictor-'));
    const world = loadWorld('world:shapes', { resolution: 16 });
    const saved = FactorPredictor.create(rt, { ...defaultPredictorConfig(world.schema, 16), channels: [8, 16], featureDim: 12 }, 5);
    const bytes = await saved.save();
    saved.dispose();
    writeFileSync(join(dir, 'shapes32-predictor.safetensors'), bytes);
    process.env.STYLEGPU_EMBEDDED_DIR = dir;
    for (const source of ['embedded:shapes32-predictor', join(dir, 'shapes32-predictor.safetensors')]) {
      const p = await loadPredictor(rt, source);
      expect(p.config.featureDim).toBe(12);
      expect(p.config.schema).toEqual(world.schema);
      const again = readSafetensors(await p.save());
      for (const [name, t] of readSafetensors(bytes).tensors) expect(again.tensors.get(name)!.data, `${source} ${name}`).toEqual(t.data);
      p.dispose();
    }
  });

  it('refuse unknown names with the list, and absent files naming the file', async () => {
    await expect(loadPredictor(rt, 'embedded:shapes64-predictor')).rejects.toThrow(
      "'embedded:shapes64-predictor' is not an embedded predictor; the embedded predictors are embedded:shapes32-predictor",
    );
    process.env.STYLEGPU_EMBEDDED_DIR = mkdtempSync(join(tmpdir(), 'stylegpu-embedded-none-'));
    await expect(loadPredictor(rt, 'embedded:shapes32-predictor')).rejects.toThrow(/embedded:shapes32-predictor: file:.*shapes32-predictor\.safetensors is not there; .*embedded\/README\.md/);
  });
});

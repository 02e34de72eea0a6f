/**
 * `stylegpu discover` on the 16 px fixture generator (w_dim 32, 6 ws): baselines, traversals,
 * navigator training and the comparison table (a smoke run with an untrained factor predictor —
 * the numbers mean nothing; the table's shape and files do), and refusals.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { loadDirectionSet, Navigator } from '@stylegpu/discovery';
import { defaultPredictorConfig, FactorPredictor } from '@stylegpu/world/predictor';
import { loadWorld } from '@stylegpu/world';
import { buildProgram } from '../src/program.js';

const network = join(import.meta.dirname, '..', '..', 'stylegan', 'fixtures', 'g16_nvidia.pkl');
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `stylegpu-discover-${p}-`));

function unitRows(v: Float64Array, dim: number) {
  for (let k = 0; k < v.length / dim; k++) expect(Math.hypot(...v.subarray(k * dim, (k + 1) * dim))).toBeCloseTo(1, 9);
}

describe('stylegpu discover', () => {
  it('baseline ganspace and sefa write direction sets; traverse draws them (PNG grid, GIFs)', async () => {
    const dir = tmp('base');
    await run(['discover', 'baseline', '--network', network, '--method', 'ganspace', '--components', '4', '--samples', '300', '--layers', '0-2', '--out', join(dir, 'g.safetensors')]);
    const g = loadDirectionSet(readFileSync(join(dir, 'g.safetensors')));
    expect([g.method, g.count, g.wDim, g.numWs]).toEqual(['ganspace', 4, 32, 6]);
    unitRows(g.vectors, 32);
    expect([...g.layerWeights.subarray(0, 6)]).toEqual([1, 1, 1, 0, 0, 0]);
    expect(g.scores![0]).toBeGreaterThanOrEqual(g.scores![1]);
    await run(['discover', 'baseline', '--network', network, '--method', 'sefa', '--components', '3', '--out', join(dir, 's.safetensors')]);
    const s = loadDirectionSet(readFileSync(join(dir, 's.safetensors')));
    expect([s.method, s.count]).toEqual(['sefa', 3]);
    unitRows(s.vectors, 32);

    const out = join(dir, 'trav');
    await run(['discover', 'traverse', '--network', network, '--directions', join(dir, 'g.safetensors'), '--outdir', out, '--seeds', '0-1', '--which', '0,2', '--columns', '5', '--gif']);
    expect(readdirSync(out).sort()).toEqual(['dir00.gif', 'dir02.gif', 'traversal.png']);
    const png = decodePng(readFileSync(join(out, 'traversal.png')));
    // 5 columns × (2 directions × 2 seeds) rows of 16 px with 2 px padding.
    expect([png.width, png.height]).toEqual([5 * 16 + 6 * 2, 4 * 16 + 5 * 2]);
    expect(new TextDecoder().decode(readFileSync(join(out, 'dir02.gif')).subarray(0, 6))).toBe('GIF89a');
  });

  it('train writes a navigator (calibrated step scales) that traverse reads', async () => {
    const dir = tmp('train');
    const file = join(dir, 'nav.safetensors');
    await run(['discover', 'train', '--network', network, '--out', file, '--directions', '3', '--steps', '3', '--pairs', '2', '--sensor', 'clip-random', '--type', 'ada', '--heat', 'local', '--snap', '2']);
    const rt = await createRuntime();
    try {
      const nav = Navigator.load(rt, readFileSync(file));
      expect(nav.config).toMatchObject({ wDim: 32, numWs: 6, directions: 3, type: 'ada', heat: 'local' });
      expect(nav.stepScales.every((x) => x > 0)).toBe(true);
      nav.dispose();
    } finally {
      rt.destroy();
    }
    await run(['discover', 'traverse', '--network', network, '--directions', file, '--outdir', join(dir, 't'), '--seeds', '3', '--columns', '3']);
    expect(existsSync(join(dir, 't', 'traversal.png'))).toBe(true);
  });

  it('train reads a real CLIP checkpoint as its sensor (the tiny Hugging Face fixture), --no-calibrate keeps the step mean', async () => {
    const dir = tmp('clip');
    const file = join(dir, 'nav.safetensors');
    const clip = join(import.meta.dirname, '..', '..', 'clip', 'fixtures', 'clip-tiny-a', 'hf');
    await run(['discover', 'train', '--network', network, '--out', file, '--directions', '2', '--steps', '2', '--pairs', '1', '--sensor', `clip:${clip}`, '--clip-blocks', '0,1', '--no-calibrate', '--step-mean', '3.5', '--heat', 'none']);
    const rt = await createRuntime();
    try {
      const nav = Navigator.load(rt, readFileSync(file));
      expect(nav.stepScales).toEqual([3.5, 3.5]);
      nav.dispose();
    } finally {
      rt.destroy();
    }
    await expect(run(['discover', 'train', '--network', network, '--out', file, '--sensor', `clip:${join(dir, 'none')}`])).rejects.toThrow(/--sensor .*none: /);
    await expect(run(['discover', 'train', '--network', network, '--out', file, '--sensor', `clip:${clip}`, '--clip-blocks', '5'])).rejects.toThrow(/block 5 is not one of the image tower's 2 blocks/);
  });

  it('table: every method trained/computed, calibrated, measured; table.md and table.json (smoke, untrained predictor)', async () => {
    const dir = tmp('table');
    const rt = await createRuntime();
    const predictorFile = join(dir, 'predictor.safetensors');
    try {
      const p = FactorPredictor.create(rt, defaultPredictorConfig(loadWorld('world:shapes').schema, 16), 1);
      writeFileSync(predictorFile, await p.save());
      p.dispose();
    } finally {
      rt.destroy();
    }
    const out = join(dir, 'out');
    await run(['discover', 'table', '--network', network, '--predictor', predictorFile, '--outdir', out, '--sensor', 'pixels', '--directions', '2', '--steps', '2', '--pairs', '2', '--samples', '100', '--eval-seeds', '3', '--spread', 'range', '--methods', 'nav-fixed,nav-prototype,ganspace,sefa']);
    expect(readdirSync(out).sort()).toEqual(['ganspace.safetensors', 'nav-fixed.safetensors', 'nav-prototype.safetensors', 'sefa.safetensors', 'table.json', 'table.md']);
    const md = readFileSync(join(out, 'table.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(6); // header, rule, 4 methods
    const json = JSON.parse(readFileSync(join(out, 'table.json'), 'utf8'));
    expect(json.rows.map((r: { method: string }) => r.method)).toEqual(['nav-fixed', 'nav-prototype', 'ganspace', 'sefa']);
    for (const r of json.rows) {
      expect(r.effects.length).toBe(2 * r.factors.length);
      expect(r.disentanglement).toBeGreaterThanOrEqual(0);
      expect(r.disentanglement).toBeLessThanOrEqual(1);
    }
  });

  it('refuses bad input with one line naming the flag', async () => {
    const dir = tmp('bad');
    await expect(run(['discover', 'baseline', '--network', network, '--method', 'ica', '--out', join(dir, 'x')])).rejects.toThrow(/argument 'ica' is invalid/);
    await expect(run(['discover', 'baseline', '--network', network, '--method', 'sefa', '--components', '40', '--out', join(dir, 'x')])).rejects.toThrow(/--components 40: the network's w has 32 dimensions; give at most 32/);
    await expect(run(['discover', 'baseline', '--network', network, '--method', 'sefa', '--layers', '4-9', '--out', join(dir, 'x')])).rejects.toThrow(/--layers 4-9: the network has 6 ws/);
    await expect(run(['discover', 'train', '--network', network, '--out', join(dir, 'n'), '--sensor', 'lpips'])).rejects.toThrow(/--sensor 'lpips': not a sensor; give clip:<checkpoint>, clip-random, discriminator or pixels/);
    await expect(run(['discover', 'train', '--network', network, '--out', join(dir, 'n'), '--directions', '1'])).rejects.toThrow(/needs at least 2 directions/);
    writeFileSync(join(dir, 'junk.safetensors'), 'not a tensor file');
    await run(['discover', 'baseline', '--network', network, '--method', 'sefa', '--components', '2', '--out', join(dir, 'g.safetensors')]);
    await expect(run(['discover', 'traverse', '--network', network, '--directions', join(dir, 'junk.safetensors'), '--outdir', join(dir, 'o')])).rejects.toThrow(/--directions .*junk\.safetensors: .*not a safetensors file/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
    await expect(run(['discover', 'table', '--network', network, '--predictor', join(dir, 'junk.safetensors'), '--outdir', join(dir, 'o'), '--methods', 'nav-fixed,pca'])).rejects.toThrow(/'pca' is not a method/);
    await expect(run(['discover', 'table', '--network', network, '--predictor', join(dir, 'junk.safetensors'), '--outdir', join(dir, 'o')])).rejects.toThrow(/--predictor .*junk\.safetensors: is not a safetensors file.*FactorPredictor\.save/);
    await expect(run(['discover', 'table', '--network', network, '--predictor', join(dir, 'g.safetensors'), '--outdir', join(dir, 'o')])).rejects.toThrow(/has format 'stylegpu-directions', not 'stylegpu-world-predictor'/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

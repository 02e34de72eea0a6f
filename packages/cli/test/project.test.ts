/**
 * stylegpu project / translate / compare-inversions on the g16 fixture: the NVIDIA outputs (target.png,
 * proj.png, projected_w.npz with key w [1, num_ws, w_dim] float32, proj.gif with --save-video), the round trip
 * through `stylegpu generate --projected-w`, other spaces' latent files, and bad targets (missing, not an
 * image, too small) refused on one line before the GPU opens, with nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng, readNpz, readSafetensors } from '@stylegpu/io';
import { createRuntime } from '@stylegpu/kernels';
import { Generator, randomStateRandn } from '@stylegpu/stylegan';
import { psnr } from '@stylegpu/invert';
import { buildProgram } from '../src/program.js';
import { toUint8Hwc } from '../src/to-uint8.js';
import { FIXTURES, NO_GPU_ENV, stderrLines, stylegpu } from './run-cli.js';

const network = FIXTURES.generator;
const run = (args: string[]) => buildProgram().parseAsync(['node', 'stylegpu', ...args]);

/** A 16×16 target made by the fixture generator itself (seed 5, ψ 0.7, const noise), as generate writes it. */
async function generatedTarget(dir: string): Promise<string> {
  await run(['generate', '--network', network, '--seeds', '5', '--trunc', '0.7', '--outdir', dir]);
  return join(dir, 'seed0005.png');
}

describe('stylegpu project', () => {
  it('writes target.png, proj.png, projected_w.npz and proj.gif; generate --projected-w reads the w back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-project-'));
    const target = await generatedTarget(join(dir, 'gen'));
    const out = join(dir, 'out');
    await run(['project', '--network', network, '--target', target, '--num-steps', '40', '--seed', '1', '--outdir', out, '--save-video', '--w-avg-samples', '2000']);
    expect(readdirSync(out).sort()).toEqual(['proj.gif', 'proj.png', 'projected_w.npz', 'target.png']);
    expect(Buffer.from(readFileSync(join(out, 'proj.gif')).subarray(0, 6)).toString('latin1')).toBe('GIF89a');
    expect(decodePng(readFileSync(join(out, 'target.png'))).data).toEqual(decodePng(readFileSync(target)).data);

    // NVIDIA's layout: np.savez(..., w=[1, num_ws, w_dim] float32), the one w repeated on every layer.
    const npz = readNpz(readFileSync(join(out, 'projected_w.npz')));
    expect([...npz.keys()]).toEqual(['w']);
    const w = npz.get('w')!;
    expect([w.dtype, ...w.shape]).toEqual(['f32', 1, 6, 32]);
    const wData = w.data as Float32Array;
    for (let l = 1; l < 6; l++) expect(Array.from(wData.slice(l * 32, (l + 1) * 32))).toEqual(Array.from(wData.slice(0, 32)));

    await run(['generate', '--network', network, '--projected-w', join(out, 'projected_w.npz'), '--outdir', join(dir, 're')]);
    const regenerated = decodePng(readFileSync(join(dir, 're', 'proj00.png'))).data;
    // The same w through G here (the generator's own const noise, as generate uses) gives the same pixels,
    // and it is closer to the target than the image of the stored w_avg (ψ = 0), near where the projection starts.
    const rt = await createRuntime();
    const G = await Generator.load(rt, network);
    const [mine, start] = rt.noGrad(() =>
      rt.tidy(() => {
        return [G.synthesis(rt.tensor(wData, [1, 6, 32])), G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(5, 32)), [1, 32]), { truncationPsi: 0 }))];
      }),
    );
    const mineU8 = toUint8Hwc((await mine.read()) as Float32Array, 3, 16, 16);
    const startU8 = toUint8Hwc((await start.read()) as Float32Array, 3, 16, 16);
    G.dispose();
    rt.destroy();
    let maxDiff = 0;
    for (let i = 0; i < mineU8.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mineU8[i] - regenerated[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    const t = decodePng(readFileSync(target)).data;
    console.log(`round trip: PSNR to the target ${psnr(regenerated, t).toFixed(2)} dB (w_avg image: ${psnr(startU8, t).toFixed(2)} dB)`);
    expect(psnr(regenerated, t)).toBeGreaterThan(psnr(startU8, t));
  });

  it('other spaces write projected_latent.safetensors (latent per layer and noise maps)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-project-s-'));
    const target = await generatedTarget(join(dir, 'gen'));
    const out = join(dir, 'out');
    await run(['project', '--network', network, '--target', target, '--space', 'overparam', '--num-steps', '3', '--outdir', out, '--w-avg-samples', '500']);
    expect(readdirSync(out).sort()).toEqual(['proj.png', 'projected_latent.safetensors', 'target.png']);
    const st = readSafetensors(readFileSync(join(out, 'projected_latent.safetensors')));
    expect(st.metadata.space).toBe('overparam');
    expect(st.tensors.get('latent.b8.conv0')!.shape).toEqual([1, 8, 32]);
    expect(st.tensors.get('latent.b16.torgb')!.shape).toEqual([1, 3, 32]);
    expect(st.tensors.get('noise.b16.conv1')!.shape).toEqual([16, 16]);
  });

  it('refuses bad targets on one line, before the GPU opens, writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-project-bad-'));
    const out = join(dir, 'never');
    writeFileSync(join(dir, 'notes.png'), 'these are notes, not pixels');
    writeFileSync(join(dir, 'small.png'), encodePng({ width: 8, height: 12, channels: 3, data: new Uint8Array(8 * 12 * 3) }));
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.png'), /^stylegpu: project --target \S*missing\.png: no such file or folder; check the path$/],
      [join(dir, 'notes.png'), /^stylegpu: project --target \S*notes\.png: holds .*, not an image; give a PNG or JPEG image$/],
      [join(dir, 'small.png'), /^stylegpu: project --target \S*small\.png: the image is 8×12, smaller than the generator's 16×16; give an image at least 16 px on its shorter side/],
      [network, /^stylegpu: project --target \S*g16_nvidia\.pkl: holds .*, not an image; give a PNG or JPEG image$/],
    ];
    for (const [target, want] of cases) {
      const r = stylegpu(['project', '--network', network, '--target', target, '--outdir', out], { env: NO_GPU_ENV });
      expect(r.status, r.stderr).toBe(1);
      const lines = stderrLines(r).filter((l) => !l.startsWith('Warning'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(want);
      expect(existsSync(out)).toBe(false);
    }
    const r = stylegpu(['project', '--network', network, '--target', join(dir, 'small.png'), '--outdir', out, '--space', 'z'], { env: NO_GPU_ENV });
    expect(stderrLines(r).join('\n')).toMatch(/--space.*z.*w\+/);
  });
});

describe('stylegpu project perceptual terms', () => {
  const lpipsFixture = (name: string) => join(FIXTURES.generator, '..', '..', '..', 'invert', 'fixtures', name);

  it('--lpips (official layout, tiny fixture) and --clip-model run; a bad --lpips file is one line before the GPU', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-project-lpips-'));
    const target = await generatedTarget(join(dir, 'gen'));
    const lpips = `${lpipsFixture('tiny_vgg16_features.pth')},${lpipsFixture('tiny_lpips_lin.pth')}`;
    await run(['project', '--network', network, '--target', target, '--num-steps', '3', '--outdir', join(dir, 'a'), '--lpips', lpips, '--w-avg-samples', '500']);
    expect(readdirSync(join(dir, 'a')).sort()).toEqual(['proj.png', 'projected_w.npz', 'target.png']);
    await run(['project', '--network', network, '--target', target, '--num-steps', '3', '--outdir', join(dir, 'b'), '--clip-model', FIXTURES.clip, '--space', 'w+', '--w-avg-samples', '500']);
    expect(readdirSync(join(dir, 'b')).sort()).toEqual(['proj.png', 'projected_w.npz', 'target.png']);

    const r = stylegpu(['project', '--network', network, '--target', target, '--outdir', join(dir, 'never'), '--lpips', lpipsFixture('tiny_vgg16_features.pth')], { env: NO_GPU_ENV });
    expect(r.status).toBe(1);
    const lines = stderrLines(r).filter((l) => !l.startsWith('Warning'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^stylegpu: project --lpips \S*tiny_vgg16_features\.pth: no LPIPS linear head 'lin0\.model\.1\.weight'; give torchvision's vgg16 \.pth and the lpips package's vgg\.pth$/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('stylegpu translate and compare-inversions', () => {
  it('translate writes the translated image; compare-inversions writes the Markdown table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylegpu-translate-'));
    const target = await generatedTarget(join(dir, 'gen'));
    const rosinality = join(network, '..', 'g16_rosinality.pt');
    await run(['translate', '--network', network, '--to-network', rosinality, '--target', target, '--num-steps', '5', '--outdir', join(dir, 'tr'), '--w-avg-samples', '500']);
    expect(readdirSync(join(dir, 'tr')).sort()).toEqual(['proj.png', 'projected_w.npz', 'target.png', 'translated.png']);
    // The rosinality file holds the same G_ema: the translation is the reconstruction.
    const a = decodePng(readFileSync(join(dir, 'tr', 'proj.png'))).data;
    const b = decodePng(readFileSync(join(dir, 'tr', 'translated.png'))).data;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);

    const md = join(dir, 'table.md');
    await run(['compare-inversions', '--network', network, '--seeds', '2', '--spaces', 'w,overparam', '--num-steps', '4', '--out', md, '--w-avg-samples', '500']);
    const table = readFileSync(md, 'utf8');
    expect(table).toMatch(/\| space \| PSNR \(dB\) ↑ \| SSIM ↑ \| interpolation path ratio ↓ \| images \| pairs \|/);
    expect(table).toMatch(/\n\| w \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ \| 2 \| 1 \|/);
    expect(table).toMatch(/\n\| overparam \| /);
  });
});

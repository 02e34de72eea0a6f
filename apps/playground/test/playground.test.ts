/**
 * The playground in Debian's Chromium (WebGPU on SwiftShader here): the built page loads, says
 * clearly when WebGPU is missing, the embedded generator is absent or a file is wrong, opens a
 * generator from its file picker (the 32-px rosinality fixture of @stylegpu/stylegan), and shows
 * the image Node's Dawn computes for the same seed and ψ; a SeFa slider and a StyleSpace channel
 * slider then change the image as the same engine code computes it in Node; a few NADA steps run
 * with a tiny random word CLIP; a NADA model is morphed towards and StyleDomain directions stacked.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { decodePng, encodePng } from '@stylegpu/io';
import { createRuntime, type Runtime } from '@stylegpu/kernels';
import { Generator, parseStyleGanCheckpoint, randomStateRandn, saveStyleGanCheckpoint, toRasters } from '@stylegpu/stylegan';
import { Engine } from '../src/engine.js';
import { byteOf } from '../src/raster.js';
import { APP_ROOT, buildAndServe, type ServedPage } from './built-page.js';
import { chromiumMissing, launchChromium, type LaunchedChromium } from './chromium.js';
import { writeTinyClip } from './tiny-clip.js';
import { perturbedGenerator, randomStyleDirection } from './domain-files.js';
import { ClipGuide } from '../src/clip-guide.js';
import { clipScore } from '../src/text-adaptation.js';
import type { Edits, RenderedImages } from '../src/protocol.js';

const FIXTURE = join(APP_ROOT, '..', '..', 'packages', 'stylegan', 'fixtures', 'g32_rosinality.pt');
const EMBEDDED = join(APP_ROOT, '..', '..', 'packages', 'stylegan', 'embedded', 'shapes32.safetensors');
const SEED = 3;
const PSI = 0.7;
/**
 * Largest |page − Node| of an output float (images span about [−1, 1]). Both are float32 GPU
 * runs of the same WGSL on different software adapters (SwiftShader in Chromium, lavapipe under
 * Dawn), which may fuse multiply-adds differently. Measured here: 1.9e-6 to 2.2e-6 (a few float32
 * ulps of values near 1) for the plain image, the slider edits, a morph and stacked directions;
 * the bound leaves about 5× of that.
 */
const FLOAT_TOLERANCE = 1e-5;

const missing = chromiumMissing();
if (missing) console.log(`playground browser test skipped: ${missing}`);

type LastRender = Omit<RenderedImages, 'pixels'> & { pixels: number[] };

async function lastRender(page: Page): Promise<LastRender> {
  return page.evaluate(() => {
    const last = window.stylegpuPlayground!.last!;
    return { ...last, pixels: Array.from(last.pixels) };
  });
}

async function renders(page: Page): Promise<number> {
  return page.evaluate(() => window.stylegpuPlayground?.renders ?? 0);
}

/** Waits until the page has rendered more than `count` times and is not busy. */
async function waitForRender(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (window.stylegpuPlayground?.renders ?? 0) > n && document.body.dataset.state !== 'busy', count, { timeout: 60_000 });
}

async function canvasBytes(page: Page, index: number): Promise<number[]> {
  return page.evaluate((i) => {
    const canvas = document.querySelectorAll<HTMLCanvasElement>('#grid canvas')[i];
    return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
  }, index);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Moves a range input as a user does: sets its value and fires `input`. */
async function moveSlider(page: Page, selector: string, value: number): Promise<void> {
  await page.locator(selector).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

describe.skipIf(missing !== null)('playground in Chromium', () => {
  let served: ServedPage;
  let browser: LaunchedChromium;
  let page: Page;
  let rt: Runtime;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [served, browser, rt] = await Promise.all([buildAndServe(), launchChromium(), createRuntime()]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  const scratch = mkdtempSync(join(tmpdir(), 'stylegpu-playground-test-'));

  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await browser?.close();
    await served?.close();
    rt?.destroy();
  });

  it('starts on embedded:shapes32, or says plainly that its file is absent', async () => {
    await page.goto(`${served.url}?seeds=${SEED}&psi=${PSI}`);
    await page.waitForFunction(() => ['ready', 'error', 'no-webgpu'].includes(document.body.dataset.state ?? ''), undefined, { timeout: 60_000 });
    const state = await page.evaluate(() => document.body.dataset.state);
    const message = await page.locator('#message').textContent();
    expect(state, `page message: ${message}`).not.toBe('no-webgpu');
    if (existsSync(EMBEDDED)) {
      expect(state, `page message: ${message}`).toBe('ready');
      expect(await page.evaluate(() => window.stylegpuPlayground!.model!.label)).toBe('embedded:shapes32');
      expect((await lastRender(page)).resolution).toBe(32);
    } else {
      expect(state).toBe('error');
      expect(message).toMatch(/^embedded:shapes32: http:\/\/127\.0\.0\.1:\d+\/embedded\/shapes32\.safetensors is not there; this copy of the package ships without it/);
      expect(await page.locator('#status').textContent()).toMatch(/^No generator loaded/);
    }
  });

  it('says what to do when the browser has no WebGPU', async () => {
    const bare = await browser.context.newPage();
    try {
      // A browser without WebGPU: navigator.gpu is undefined.
      await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
      await bare.goto(served.url);
      await bare.waitForFunction(() => document.body.dataset.state === 'no-webgpu', undefined, { timeout: 30_000 });
      expect(await bare.locator('#message').textContent()).toMatch(/^This browser has no WebGPU \(navigator\.gpu is missing\)\. Use Chrome or Edge 113\+/);
      expect(await bare.locator('#generate').isDisabled()).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('says what to do when WebGPU offers no adapter', async () => {
    const bare = await browser.context.newPage();
    try {
      await bare.addInitScript(() => {
        GPU.prototype.requestAdapter = async () => null;
      });
      await bare.goto(served.url);
      await bare.waitForFunction(() => document.body.dataset.state === 'no-webgpu', undefined, { timeout: 30_000 });
      expect(await bare.locator('#message').textContent()).toMatch(/^This browser has WebGPU but offers no adapter: its GPU may be blocklisted or WebGPU switched off\./);
    } finally {
      await bare.close();
    }
  });

  it('opens NVIDIA .pkl and stylegpu .safetensors files, and refuses a file that is not a generator, naming it', async () => {
    const pkl = join(APP_ROOT, '..', '..', 'packages', 'stylegan', 'fixtures', 'g16_nvidia.pkl');
    const safetensors = join(scratch, 'g16.safetensors');
    writeFileSync(safetensors, saveStyleGanCheckpoint(parseStyleGanCheckpoint(new Uint8Array(readFileSync(pkl)))));
    for (const file of [pkl, safetensors]) {
      const before = await renders(page);
      await page.locator('#model-file').setInputFiles(file);
      await waitForRender(page, before);
      expect(await page.locator('#model-info').textContent()).toMatch(new RegExp(`^${file.split('/').pop()!.replace('.', '\\.')}: 16 px, z 32, w 32, 6 ws`));
      expect((await lastRender(page)).resolution).toBe(16);
    }

    await page.locator('#model-file').setInputFiles({ name: 'broken.pt', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a checkpoint') });
    await page.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 30_000 });
    expect(await page.locator('#message').textContent()).toMatch(/^broken\.pt: loadStyleGanCheckpoint: cannot read the file as a PyTorch checkpoint/);
    // The generator loaded before stays.
    expect(await page.evaluate(() => window.stylegpuPlayground!.model!.label)).toBe('g16.safetensors');
  });

  it("generates from a picked file the image Node computes for the same seed and ψ", async () => {
    const before = await renders(page);
    await page.locator('#model-file').setInputFiles(FIXTURE);
    await waitForRender(page, before);
    expect(await page.locator('#message').isHidden()).toBe(true);
    const shown = await lastRender(page);
    expect(shown.count).toBe(1);
    expect(shown.resolution).toBe(32);

    const G = await Generator.load(rt, new Uint8Array(readFileSync(FIXTURE)));
    const zDim = G.config.zDim;
    const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(SEED, zDim)), [1, zDim]), { truncationPsi: PSI }), { noiseMode: 'const' })));
    const node = (await img.read()) as Float32Array;
    img.dispose();
    G.dispose();

    const floatDiff = maxAbsDiff(shown.pixels, node);
    console.log(`playground: page vs Node, seed ${SEED} ψ ${PSI}: max |Δ| ${floatDiff.toExponential(2)} over ${node.length} floats`);
    expect(floatDiff).toBeLessThanOrEqual(FLOAT_TOLERANCE);
    // The canvas shows exactly the page's floats, mapped as NVIDIA maps them.
    const canvas = await canvasBytes(page, 0);
    const plane = 32 * 32;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) expect(canvas[p * 4 + c]).toBe(byteOf(shown.pixels[c * plane + p]));
      expect(canvas[p * 4 + 3]).toBe(255);
    }
  });

  it('moves a SeFa slider and a StyleSpace channel slider: the image changes as Node computes it', async () => {
    const base = await lastRender(page);
    await page.locator('#components').fill('3');
    await page.locator('#discover-sefa').click();
    await page.locator('#sliders [data-method="sefa"] input[data-index="0"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#sliders [data-method="sefa"] input[type=range]').count()).toBe(3);

    let before = await renders(page);
    await moveSlider(page, '#sliders [data-method="sefa"] input[data-index="0"]', 3);
    await waitForRender(page, before);
    const sefaEdited = await lastRender(page);

    before = await renders(page);
    await page.locator('#channel-layer').selectOption('b8.conv0');
    await page.locator('#channel-index').fill('2');
    await page.locator('#channel-index').dispatchEvent('change');
    await moveSlider(page, '#channel-delta', -4);
    await waitForRender(page, before);
    const bothEdited = await lastRender(page);

    // The engine's own code in Node, on Dawn, with the same edits.
    const engine = new Engine(rt);
    try {
      await engine.load(new Uint8Array(readFileSync(FIXTURE)), 'g32_rosinality.pt');
      await engine.setLatents([SEED], PSI);
      await engine.discover('sefa', 3);
      const sefaOnly: Edits = { morph: 0, styleDirections: [], directions: { sefa: [3, 0, 0] }, channel: null };
      const both: Edits = { morph: 0, styleDirections: [], directions: { sefa: [3, 0, 0] }, channel: { layer: 'b8.conv0', channel: 2, delta: -4 } };
      const nodeSefa = await engine.render(sefaOnly);
      const nodeBoth = await engine.render(both);
      for (const [what, shown, node] of [['SeFa', sefaEdited, nodeSefa], ['SeFa + channel', bothEdited, nodeBoth]] as const) {
        const d = maxAbsDiff(shown.pixels, node.pixels);
        console.log(`playground: ${what} edit, page vs Node: max |Δ| ${d.toExponential(2)}`);
        expect(d, what).toBeLessThanOrEqual(FLOAT_TOLERANCE);
      }
    } finally {
      engine.dispose();
    }
    // GANSpace's sliders come beside SeFa's, labelled with explained-variance ratios.
    await page.locator('#discover-ganspace').click();
    await page.locator('#sliders [data-method="ganspace"] input[data-index="2"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#sliders [data-method="ganspace"] span').allTextContents()).toEqual([
      expect.stringMatching(/^pc0 \(0\.\d{3}\)$/),
      expect.stringMatching(/^pc1 \(0\.\d{3}\)$/),
      expect.stringMatching(/^pc2 \(0\.\d{3}\)$/),
    ]);

    const sefaChange = meanAbsDiff(sefaEdited.pixels, base.pixels);
    const channelChange = meanAbsDiff(bothEdited.pixels, sefaEdited.pixels);
    console.log(`playground: mean |Δ pixel| SeFa slider ${sefaChange.toFixed(4)}, channel slider ${channelChange.toFixed(4)}`);
    expect(sefaChange).toBeGreaterThan(0.01);
    expect(channelChange).toBeGreaterThan(0.01);
    expect(pageErrors).toEqual([]);
  });

  it('adapts to a text with a few NADA steps, showing progress and the CLIP score', async () => {
    const clip = writeTinyClip(scratch);
    await page.locator('#clip-files').setInputFiles([clip.weights, clip.vocabulary]);
    await page.waitForFunction(() => document.body.dataset.state !== 'busy' && /^tiny-clip\.safetensors: 9 words/.test(document.getElementById('clip-info')!.textContent ?? ''), undefined, { timeout: 30_000 });

    // A word outside the CLIP's vocabulary is refused before any step.
    await page.locator('#adapt-target').fill('purple');
    await page.locator('#adapt-run').click();
    await page.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 30_000 });
    expect(await page.locator('#message').textContent()).toMatch(/^tiny-clip\.safetensors does not know the word 'purple'; its vocabulary has 9 words/);

    const original = await lastRender(page);
    await page.locator('#adapt-target').fill('blue');
    await page.locator('#adapt-steps').fill('3');
    await page.locator('#adapt-batch').fill('1');
    const before = await renders(page);
    await page.locator('#adapt-run').click();
    await waitForRender(page, before);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    const result = await page.evaluate(() => window.stylegpuPlayground!.adapt!);
    expect(result.steps).toBe(3);
    for (const v of [result.firstLoss, result.lastLoss, result.scoreBefore, result.scoreAfter]) expect(Number.isFinite(v)).toBe(true);
    expect(await page.locator('#adapt-progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([3, 3]);
    expect(await page.locator('#adapt-step').textContent()).toMatch(/^step 3\/3, loss \d/);
    expect(await page.locator('#adapt-info').textContent()).toMatch(/"red" → "blue": 3 steps in [\d.]+ s, directional loss .* CLIP score cos\(img, target\) − cos\(img, source\) on the shown seeds [+−]\d\.\d{4} → [+−]\d\.\d{4}/);
    // The adapted generator is the morph target, shown at α = 1.
    expect(await page.locator('#morph').inputValue()).toBe('1');
    expect(await page.locator('#domain-info').textContent()).toBe('Morph target: adapted in the page: "red" → "blue"');
    const adapted = await lastRender(page);
    expect(meanAbsDiff(adapted.pixels, original.pixels)).toBeGreaterThan(0);

    // The frozen generator's CLIP score as the engine computes it in Node. (Training trajectories are not
    // compared: at step 0 the trainable copy equals the frozen one, so the image direction NADA's loss
    // normalises is float noise, and the first Adam steps follow that noise.)
    const guide = await ClipGuide.load(rt, { weightsName: 'tiny-clip.safetensors', vocabularyName: 'tiny-clip.vocab.json', weights: new Uint8Array(readFileSync(clip.weights)), vocabulary: new Uint8Array(readFileSync(clip.vocabulary)) });
    const G = await Generator.load(rt, new Uint8Array(readFileSync(FIXTURE)));
    try {
      const zDim = G.config.zDim;
      const ws = rt.noGrad(() => rt.tidy(() => G.mapping(rt.tensor(Float32Array.from(randomStateRandn(SEED, zDim)), [1, zDim]), { truncationPsi: PSI })));
      const node = await clipScore(rt, G, guide, ws, 'red', 'blue', result.templates);
      ws.dispose();
      console.log(`playground: CLIP score of the loaded generator, page ${result.scoreBefore} vs Node ${node}; after 3 steps in the page ${result.scoreAfter}`);
      expect(Math.abs(result.scoreBefore - node)).toBeLessThanOrEqual(FLOAT_TOLERANCE);
    } finally {
      G.dispose();
      guide.dispose();
    }

    // Saved as a NADA model (rosinality .pt), it renders in Node as the page shows it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#save-domain').click()]);
    expect(download.suggestedFilename()).toBe('stylegpu-nada.pt');
    const saved = join(scratch, 'stylegpu-nada.pt');
    await download.saveAs(saved);
    const check = new Engine(rt);
    try {
      await check.load(new Uint8Array(readFileSync(FIXTURE)), 'g32_rosinality.pt');
      await check.setLatents([SEED], PSI);
      await check.discover('sefa', 3);
      await check.loadDomain(new Uint8Array(readFileSync(saved)), 'stylegpu-nada.pt');
      const node = await check.render({ morph: 1, styleDirections: [], directions: { sefa: [3, 0, 0] }, channel: { layer: 'b8.conv0', channel: 2, delta: -4 } });
      const d = maxAbsDiff(adapted.pixels, node.pixels);
      console.log(`playground: the saved adaptation rendered in Node vs the page: max |Δ| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(FLOAT_TOLERANCE);
    } finally {
      check.destroy();
    }

    // Morph α = 0 is the loaded generator again, exactly; α = 0.5 lies between.
    let count = await renders(page);
    await moveSlider(page, '#morph', 0);
    await waitForRender(page, count);
    expect(maxAbsDiff((await lastRender(page)).pixels, original.pixels)).toBe(0);
    count = await renders(page);
    await moveSlider(page, '#morph', 0.5);
    await waitForRender(page, count);
    const half = await lastRender(page);
    expect(meanAbsDiff(half.pixels, original.pixels)).toBeGreaterThan(0);
    expect(meanAbsDiff(half.pixels, adapted.pixels)).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });

  it('morphs towards a picked NADA model and stacks StyleDomain directions, as the engine does in Node', async () => {
    const fixture = new Uint8Array(readFileSync(FIXTURE));
    const nada = join(scratch, 'nada-model.pt');
    writeFileSync(nada, perturbedGenerator(fixture, 11, 0.3));
    const directions = [1, 2].map((k) => {
      const file = join(scratch, `models_${k}.pt`);
      writeFileSync(file, randomStyleDirection(fixture, 20 + k, 0.5));
      return file;
    });

    // A file of another generator is refused, naming it.
    await page.locator('#domain-file').setInputFiles({ name: 'other.pt', mimeType: 'application/octet-stream', buffer: readFileSync(join(APP_ROOT, '..', '..', 'packages', 'stylegan', 'fixtures', 'g16_rosinality.pt')) });
    await page.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 30_000 });
    expect(await page.locator('#message').textContent()).toMatch(/^other\.pt: not a fine-tune of the loaded generator \(they differ at '.*'\); morphing needs two generators of one configuration$/);

    let count = await renders(page);
    await page.locator('#domain-file').setInputFiles(nada);
    await waitForRender(page, count);
    expect(await page.locator('#domain-info').textContent()).toBe('Morph target: nada-model.pt');
    count = await renders(page);
    await moveSlider(page, '#morph', 0.25);
    await waitForRender(page, count);
    const morphed = await lastRender(page);

    count = await renders(page);
    await page.locator('#direction-files').setInputFiles(directions);
    await waitForRender(page, count);
    expect(await page.locator('#style-directions input[type=range]').count()).toBe(2);
    count = await renders(page);
    await moveSlider(page, '#style-directions input[data-index="1"]', -0.5);
    await waitForRender(page, count);
    const directed = await lastRender(page);

    const engine = new Engine(rt);
    try {
      await engine.load(fixture, 'g32_rosinality.pt');
      await engine.setLatents([SEED], PSI);
      await engine.discover('sefa', 3);
      await engine.loadDomain(new Uint8Array(readFileSync(nada)), 'nada-model.pt');
      for (const f of directions) engine.loadStyleDirection(new Uint8Array(readFileSync(f)), f);
      const edits: Edits = { morph: 0.25, styleDirections: [], directions: { sefa: [3, 0, 0] }, channel: { layer: 'b8.conv0', channel: 2, delta: -4 } };
      const nodeMorphed = await engine.render(edits);
      const nodeDirected = await engine.render({ ...edits, styleDirections: [1, -0.5] });
      for (const [what, shown, node] of [['morph 0.25', morphed, nodeMorphed], ['morph + 2 directions', directed, nodeDirected]] as const) {
        const d = maxAbsDiff(shown.pixels, node.pixels);
        console.log(`playground: ${what}, page vs Node: max |Δ| ${d.toExponential(2)}`);
        expect(d, what).toBeLessThanOrEqual(FLOAT_TOLERANCE);
      }
      expect(meanAbsDiff(directed.pixels, morphed.pixels)).toBeGreaterThan(0.01);
    } finally {
      engine.destroy();
    }
    expect(pageErrors).toEqual([]);
  });

  it('inverts a dropped image into W+, with progress and PSNR, starting where Node starts, and edits the projection', async () => {
    // The target: the fixture generator's own image of seed 7 as a PNG (so a projection can reach it).
    const G = await Generator.load(rt, new Uint8Array(readFileSync(FIXTURE)));
    const zDim = G.config.zDim;
    const img = rt.noGrad(() => rt.tidy(() => G.synthesis(G.mapping(rt.tensor(Float32Array.from(randomStateRandn(7, zDim)), [1, zDim])), { noiseMode: 'const' })));
    const png = encodePng(toRasters((await img.read()) as Float32Array, 1, 3, 32)[0]);
    img.dispose();

    const drop = async (name: string, bytes: Uint8Array) => {
      const transfer = await page.evaluateHandle(([n, b64]) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], n, { type: 'image/png' }));
        return dt;
      }, [name, Buffer.from(bytes).toString('base64')] as const);
      await page.dispatchEvent('#invert-drop', 'drop', { dataTransfer: transfer });
    };

    await drop('notes.png', new TextEncoder().encode('not an image'));
    await page.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 30_000 });
    expect(await page.locator('#message').textContent()).toBe('notes.png: not an image this browser can decode (PNG, JPEG, WebP, …)');

    await page.locator('#invert-steps').fill('20');
    await drop('seed7.png', png);
    await page.waitForFunction(() => window.stylegpuPlayground?.invert != null && document.body.dataset.state === 'ready', undefined, { timeout: 60_000 });
    const shown = await page.evaluate(() => {
      const r = window.stylegpuPlayground!.invert!;
      return { ...r, target: Array.from(r.target), image: Array.from(r.image), ws: [] as number[] };
    });
    expect(await page.locator('#invert-progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([20, 20]);
    expect(await page.locator('#invert-info').textContent()).toMatch(/^seed7\.png: 20 steps in [\d.]+ s, MSE [\d.]+ → [\d.]+, PSNR [\d.]+ dB$/);
    expect(shown.lastLoss).toBeLessThan(shown.firstLoss);

    const engine = new Engine(rt);
    try {
      await engine.load(new Uint8Array(readFileSync(FIXTURE)), 'g32_rosinality.pt');
      const node = await engine.invert(decodePng(png), 'seed7.png', 1, () => {});
      console.log(`playground: inversion, first MSE page ${shown.firstLoss} vs Node ${node.firstLoss}; after 20 steps ${shown.lastLoss}, PSNR ${shown.psnr.toFixed(2)} dB`);
      expect(maxAbsDiff(shown.target, node.target)).toBe(0); // the browser decodes the PNG to the same bytes
      // Relative: the start is w_avg of 10 000 mapped samples and the loss a mean over 3072 squares, both
      // GPU reductions whose order differs between the adapters. Measured 2.1e-5; the bound leaves 5×.
      expect(Math.abs(shown.firstLoss - node.firstLoss) / node.firstLoss).toBeLessThanOrEqual(1e-4);
    } finally {
      engine.destroy();
      G.dispose();
    }

    // The projection in the grid, every slider back at 0: the image is the projection; a SeFa slider edits it.
    let count = await renders(page);
    await page.locator('#reset-sliders').click();
    await waitForRender(page, count);
    count = await renders(page);
    await page.locator('#invert-edit').click();
    await waitForRender(page, count);
    const projected = await lastRender(page);
    expect(projected.count).toBe(1);
    expect(await page.locator('#grid figcaption').allTextContents()).toEqual(['projection of seed7.png']);
    expect(maxAbsDiff(projected.pixels, shown.image)).toBeLessThanOrEqual(FLOAT_TOLERANCE);
    count = await renders(page);
    await moveSlider(page, '#sliders [data-method="sefa"] input[data-index="1"]', -2);
    await waitForRender(page, count);
    expect(meanAbsDiff((await lastRender(page)).pixels, projected.pixels)).toBeGreaterThan(0.01);
    expect(pageErrors).toEqual([]);
  });
});

// The README's screenshot: the built page in Debian's Chromium (the flags of test/chromium.ts),
// on embedded:shapes32 or the generator file given, seeds 0–7 at ψ 0.7, SeFa found and its first
// slider moved; with --adapt-steps N, first N NADA steps "red" → "blue" with the embedded CLIP.
// Usage: node scripts/screenshot.mjs [--generator file] [--out png] [--adapt-steps N]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '@stylegpu/kernels/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { generator: { type: 'string' }, out: { type: 'string' }, 'adapt-steps': { type: 'string', default: '0' } } });
const generator = args.generator;
const out = resolve(args.out ?? join(root, 'screenshot.png'));
const adaptSteps = Number(args['adapt-steps']);
const executablePath = CHROMIUM;
if (!existsSync(executablePath)) throw new Error(`screenshot: ${executablePath} not found; install Debian's Chromium (sudo bash scripts/setup-chromium.sh)`);

const outDir = mkdtempSync(join(tmpdir(), 'stylegpu-playground-shot-'));
const profile = mkdtempSync(join(tmpdir(), 'stylegpu-playground-profile-'));
const configFile = join(root, 'vite.config.ts');
await build({ root, configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
const server = await preview({ root, configFile, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1', open: false } });
const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: CHROMIUM_ARGS,
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const settled = () => page.waitForFunction(() => ['ready', 'error', 'no-webgpu'].includes(document.body.dataset.state ?? ''), undefined, { timeout: 120_000 });
  await page.goto(`${server.resolvedUrls.local[0]}?seeds=0-7&psi=0.7`);
  await settled();
  if (generator) {
    await page.locator('#model-file').setInputFiles(resolve(generator));
    await page.waitForFunction(() => document.body.dataset.state === 'busy', undefined, { timeout: 10_000 }).catch(() => {});
    await settled();
  }
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') throw new Error(`screenshot: the page did not load a generator: ${await page.locator('#message').textContent()}`);
  if (adaptSteps > 0) {
    await page.locator('#adapt-steps').fill(String(adaptSteps));
    await page.locator('#adapt-run').click();
    await page.waitForFunction(() => document.body.dataset.state === 'busy', undefined, { timeout: 10_000 }).catch(() => {});
    await settled();
    const message = await page.locator('#message').textContent();
    if (message) throw new Error(`screenshot: adaptation failed: ${message}`);
    console.log(await page.locator('#adapt-info').textContent());
  }
  await page.locator('#discover-sefa').click();
  await page.locator('#sliders [data-method="sefa"] input[data-index="0"]').waitFor({ timeout: 60_000 });
  const before = await page.evaluate(() => window.stylegpuPlayground.renders);
  await page.locator('#sliders [data-method="sefa"] input[data-index="0"]').evaluate((el) => {
    el.value = '1.5';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction((n) => window.stylegpuPlayground.renders > n && document.body.dataset.state !== 'busy', before, { timeout: 60_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot: ${out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}

/**
 * The browser runtime: Debian's Chromium (never a downloaded browser) driven by playwright-core,
 * headless, with the flags platform.md §3 found necessary for a GPU-less machine (WebGPU then runs
 * on SwiftShader, ~10× slower than Dawn/lavapipe in Node). The suites are bundled for the page
 * with the `browser` condition and served with the page from 127.0.0.1 (a secure context).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RunSuitesOptions, RuntimeRun } from './run-suites.js';
import { CHROMIUM, CHROMIUM_ARGS } from '@stylegpu/kernels/testing';

export { CHROMIUM, CHROMIUM_ARGS };

function findPageEntry(): string {
  // src/browser-runner.ts (tests) or dist/cli.js (bundled): the page source is src/browser/page.ts.
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', 'src', 'browser', 'page.ts').replace(/\/src\/\.\.\/src\//, '/src/');
}

/** Bundles the page script; `browser` condition first, and `webgpu` is refused outright. */
export async function bundlePage(): Promise<string> {
  const entry = findPageEntry();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    logLevel: 'silent',
    // pngjs (used by @stylegpu/io's image codecs) ships a browserified build at pngjs/browser.js
    // but does not declare it in its package.json "browser" field: point bundlers at it.
    alias: { pngjs: 'pngjs/browser.js' },
    // @stylegpu/stylegan's loader imports fs/promises lazily, only to read a checkpoint from a path; the model suites never do.
    external: ['fs/promises', 'node:fs/promises'],
    plugins: [
      {
        name: 'no-node-webgpu',
        setup(b) {
          b.onResolve({ filter: /^webgpu$/ }, (args) => ({ errors: [{ text: `the browser bundle must not import "webgpu" (imported by ${args.importer})` }] }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

function serve(script: string): Promise<Server> {
  const html = '<!doctype html><meta charset="utf-8"><title>stylegpu bench</title><script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export interface BrowserRun extends RuntimeRun {
  chromiumVersion: string;
}

export async function runBrowser(opts: RunSuitesOptions = {}): Promise<BrowserRun> {
  const log = opts.log ?? (() => {});
  const { existsSync } = await import('node:fs');
  if (!existsSync(CHROMIUM)) {
    throw new Error(`bench: ${CHROMIUM} not found. Install Debian's Chromium: sudo bash scripts/setup-chromium.sh (or apt-get install chromium)`);
  }
  const script = await bundlePage();
  const server = await serve(script);
  const userDataDir = mkdtempSync(join(tmpdir(), 'stylegpu-chromium-'));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => log(m.text()));
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => typeof window.stylegpuBench === 'function', undefined, { timeout: 30_000 });
    const { log: _log, ...pageOpts } = opts;
    const run = await page.evaluate((o) => window.stylegpuBench!(o), pageOpts);
    const chromiumVersion = browser.browser()?.version() ?? '';
    return { ...run, chromiumVersion };
  } finally {
    await browser.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with the
 * flags shared with apps/bench (@stylegpu/kernels/testing) that give WebGPU on a GPU-less machine (SwiftShader).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '@stylegpu/kernels/testing';

export { CHROMIUM, CHROMIUM_ARGS };

/** Why the browser tests cannot run here, or null when Chromium is installed. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} not found; install Debian's Chromium (sudo bash scripts/setup-chromium.sh) or set STYLEGPU_CHROMIUM`;
}

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'stylegpu-playground-chromium-'));
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

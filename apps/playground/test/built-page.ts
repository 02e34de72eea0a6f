/**
 * The playground as users get it from `vite build`: built into a temporary folder and served by
 * Vite's static preview server on 127.0.0.1 (a secure context, as WebGPU requires).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServedPage {
  url: string;
  close(): Promise<void>;
}

export async function buildAndServe(): Promise<ServedPage> {
  const outDir = mkdtempSync(join(tmpdir(), 'stylegpu-playground-build-'));
  const configFile = join(APP_ROOT, 'vite.config.ts');
  await build({ root: APP_ROOT, configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root: APP_ROOT, configFile, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1', open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('buildAndServe: the preview server reports no local URL');
  return {
    url,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

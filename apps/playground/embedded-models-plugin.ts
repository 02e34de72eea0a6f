/**
 * Embedded models in the built page. In a browser each package fetches `embedded:<name>` files
 * from `../embedded/` relative to its bundled module; Vite emits every chunk (the worker's too)
 * into `assets/`, so that is `<outDir>/embedded/`. This plugin copies the model files present in
 * the packages' embedded/ folders there. (The dev server needs nothing: it serves the packages'
 * dist/ and embedded/ folders from the workspace as they are.) An absent file stays absent, and the
 * page says so when it is asked for.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, ResolvedConfig } from 'vite';

/** Packages whose `embedded:` names the page may load. */
const PACKAGES = ['@stylegpu/stylegan', '@stylegpu/clip', '@stylegpu/world'];
const MODEL_FILE = /\.(safetensors|json)$/;

export function embeddedFolderOf(pkg: string): string {
  // Each package's entry is dist/index.js; its embedded/ folder sits beside dist/.
  return fileURLToPath(new URL('../embedded/', import.meta.resolve(pkg)));
}

export function embeddedModels(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'stylegpu-embedded-models',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    writeBundle() {
      const out = join(config.build.outDir, 'embedded');
      for (const pkg of PACKAGES) {
        const dir = embeddedFolderOf(pkg);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir).filter((f) => MODEL_FILE.test(f))) {
          mkdirSync(out, { recursive: true });
          copyFileSync(join(dir, file), join(out, file));
        }
      }
    },
  };
}

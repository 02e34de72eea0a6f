#!/usr/bin/env node
// The `stylegpu` command. A committed launcher, so that `npm install` can link the bin before the
// package is built (npm links only targets that exist); it runs the build's entry.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('stylegpu: the CLI is not built yet; run `bash scripts/install.sh` (or `npm run build`) in the repository first.');
  process.exit(1);
}
await import(main.href);

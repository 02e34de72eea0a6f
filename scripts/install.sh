#!/usr/bin/env bash
# Everything both Quick-start commands need first: Node deps, a WebGPU adapter, a build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` rather than `npm ci`: it keeps the lockfile's versions, and unlike `npm ci` it
  # accepts a lockfile written where other platforms' optional packages (rollup, turbo binaries)
  # were left out, which npm does when `omit-lockfile-registry-resolved` is set.
  npm install --no-audit --no-fund --loglevel=error
fi
if [ "$(id -u)" = 0 ]; then bash scripts/setup-webgpu.sh; else sudo bash scripts/setup-webgpu.sh; fi
if [ "$(id -u)" = 0 ]; then bash scripts/setup-chromium.sh; else sudo bash scripts/setup-chromium.sh; fi
npx turbo run build --output-logs=errors-only

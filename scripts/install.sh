#!/usr/bin/env bash
# Everything both Quick-start commands need first: Node deps, a WebGPU adapter, a build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci` installs exactly the lockfile; if the lockfile lags package.json, fall back to `npm install`.
  npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
fi
if [ "$(id -u)" = 0 ]; then bash scripts/setup-webgpu.sh; else sudo bash scripts/setup-webgpu.sh; fi
if [ "$(id -u)" = 0 ]; then bash scripts/setup-chromium.sh; else sudo bash scripts/setup-chromium.sh; fi
npx turbo run build --output-logs=errors-only

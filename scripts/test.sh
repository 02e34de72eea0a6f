#!/usr/bin/env bash
# The whole test suite: install, build, then every package's tests in one vitest run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
source scripts/env.sh
npx vitest run "$@"

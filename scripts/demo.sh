#!/usr/bin/env bash
# The demo: install and build if needed, then run scripts/demo.mjs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
source scripts/env.sh
node scripts/demo.mjs "$@"

#!/usr/bin/env bash
# The fuzz suite at full size: every *.fuzz.test.ts with 10 000 mutated cases per target
# (the normal test run takes a few hundred). Seeded: STYLEGPU_FUZZ_SEED=N reproduces a run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
export STYLEGPU_FUZZ_CASES="${STYLEGPU_FUZZ_CASES:-10000}"
npx vitest run fuzz "$@"

#!/usr/bin/env bash
# The navigator vs GANSpace vs SeFa table for a trained generator of a world with known factors.
#   scripts/table.sh GENERATOR PREDICTOR [OUTDIR]
# Environment: SENSOR (default clip-random; clip:<checkpoint> once a trained CLIP exists), STEPS (2000),
# DIRECTIONS (10), EVAL_SEEDS (32). Writes OUTDIR/table.md, OUTDIR/table.json and every method's directions.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 GENERATOR PREDICTOR [OUTDIR]" >&2
  exit 2
fi
cd "$(dirname "$0")/../../.."
source scripts/env.sh
exec node packages/cli/bin/stylegpu.js discover table --network "$1" --predictor "$2" --outdir "${3:-discovery-table}" \
  --sensor "${SENSOR:-clip-random}" --steps "${STEPS:-2000}" --directions "${DIRECTIONS:-10}" --eval-seeds "${EVAL_SEEDS:-32}"

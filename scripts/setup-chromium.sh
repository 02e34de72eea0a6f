#!/usr/bin/env bash
# Installs Debian's Chromium for the browser benchmarks and tests (driven by playwright-core with
# executablePath /usr/bin/chromium; no browser is ever downloaded by playwright). Also installs
# OpenBLAS for the PyTorch CPU peer, when Debian's python3-torch is present.
#
# Idempotent and quick when already done. Usage: sudo bash scripts/setup-chromium.sh
set -euo pipefail

say() { printf 'setup-chromium: %s\n' "$*" >&2; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

want=()
if [ -x /usr/bin/chromium ] || installed chromium; then
  say "chromium is installed ($(/usr/lib/chromium/chromium --version 2>/dev/null || echo '/usr/bin/chromium'))."
else
  want+=(chromium)
fi
if installed python3-torch && ! installed libopenblas0-pthread; then
  want+=(libopenblas0-pthread) # without it torch falls back to the reference BLAS (~40× slower)
fi
[ ${#want[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  say "no apt-get here: install ${want[*]} with your package manager (Chromium at /usr/bin/chromium, or set STYLEGPU_CHROMIUM)."
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  say "installing ${want[*]} needs root: run  sudo bash scripts/setup-chromium.sh"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
say "installing ${want[*]} ..."
apt-get update -qq # lists may be missing on a fresh machine
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
say "done."

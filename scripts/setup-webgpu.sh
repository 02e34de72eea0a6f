#!/usr/bin/env bash
# Makes WebGPU work in Node on a Debian 12 machine without a GPU: Mesa's lavapipe (software
# Vulkan) from bookworm-backports. Bookworm's own Mesa 22.3 lacks
# shaderSampledImageArrayDynamicIndexing, which Dawn requires, so it gives no adapter.
#
# Idempotent and quick when already done. Usage: sudo bash scripts/setup-webgpu.sh
set -euo pipefail

say() { printf 'setup-webgpu: %s\n' "$*" >&2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# 1. Already fine? If the project's Node deps are installed, ask Dawn itself.
if [ -d "$repo/node_modules/webgpu" ] && command -v node >/dev/null; then
  if node "$repo/scripts/probe-adapter.mjs" >/dev/null 2>&1; then
    say "a WebGPU adapter is available; nothing to do."
    exit 0
  fi
fi

# 2. Otherwise: is a recent enough lavapipe installed? (Mesa >= 23 works with Dawn.)
mesa_version=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null | awk '/install ok installed/{print $4}') || true
vulkan_ok=$(dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -c 'install ok installed') || true
if [ -n "$mesa_version" ] && [ "${mesa_version%%.*}" -ge 23 ] 2>/dev/null && [ "$vulkan_ok" = 1 ]; then
  say "libvulkan1 and mesa-vulkan-drivers $mesa_version are installed."
  exit 0
fi

# 3. Install. This needs Debian 12 and root.
if [ ! -r /etc/os-release ] || ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
  say "no WebGPU adapter, and this is not Debian 12 (bookworm), so I cannot install one."
  say "Install a Vulkan driver with Mesa >= 23 (lavapipe: the mesa-vulkan-drivers package) or use a machine with a GPU."
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  say "no WebGPU adapter. Installing Mesa's software Vulkan driver needs root: run  sudo bash scripts/setup-webgpu.sh"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing libvulkan1 and mesa-vulkan-drivers from bookworm-backports ..."
apt-get update -qq   # lists may be missing on a fresh machine
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # Use the mirror the machine already uses (deb822 first, then the one-line format).
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  if [ -z "$mirror" ]; then
    say "cannot find this machine's Debian mirror in /etc/apt; add a bookworm-backports source by hand."
    exit 1
  fi
  echo "deb $mirror bookworm-backports main" > /etc/apt/sources.list.d/bookworm-backports.list
  apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
say "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)."

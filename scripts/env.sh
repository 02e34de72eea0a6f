# Sourced by the scripts: a writable XDG_RUNTIME_DIR for Mesa's Vulkan loader.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d /tmp/stylegpu-xdg-XXXXXX)
  chmod 700 "$XDG_RUNTIME_DIR"
  export XDG_RUNTIME_DIR
fi
export ONNXRUNTIME_NODE_INSTALL=skip   # its CPU binary ships in the package; the script would fetch CUDA bits
export TURBO_TELEMETRY_DISABLED=1

/**
 * The message a page shows when it cannot run: no `navigator.gpu` (a browser without WebGPU, or
 * a page not served from a secure context), or no adapter behind it.
 */
export function webGpuMissingMessage(gpu: GPU | undefined): string | null {
  if (gpu) return null;
  const insecure = typeof isSecureContext === 'boolean' && !isSecureContext;
  return insecure
    ? 'WebGPU is unavailable because this page is not a secure context: open it from https:// or http://localhost.'
    : 'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+, Safari 26+ or Firefox 141+ ' +
        '(on Linux, Chromium needs --enable-unsafe-webgpu and a Vulkan driver; without a GPU, SwiftShader works, slowly).';
}

/**
 * The message a page shows when it cannot run: no `navigator.gpu` (a browser without WebGPU, or
 * a page not served from a secure context), or no adapter behind it (GPU blocklisted, WebGPU
 * switched off, no driver).
 */
export function webGpuMissingMessage(gpu: GPU | undefined): string | null {
  if (gpu) return null;
  const insecure = typeof isSecureContext === 'boolean' && !isSecureContext;
  return insecure
    ? 'WebGPU is unavailable because this page is not a secure context: open it from https:// or http://localhost.'
    : 'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+, Safari 26+ or Firefox 141+ ' +
        '(on Linux, Chromium needs --enable-unsafe-webgpu and a Vulkan driver; without a GPU, SwiftShader works, slowly).';
}

export const NO_ADAPTER_MESSAGE =
  'This browser has WebGPU but offers no adapter: its GPU may be blocklisted or WebGPU switched off. ' +
  'Check chrome://gpu (or about:support), update the GPU driver, or start Chromium with --enable-unsafe-webgpu ' +
  '(and --enable-features=Vulkan on Linux).';

/** Null when WebGPU can run here, else what to tell the user. */
export async function webGpuProblem(gpu: GPU | undefined): Promise<string | null> {
  const missing = webGpuMissingMessage(gpu);
  if (missing) return missing;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu!.requestAdapter();
  } catch {
    adapter = null;
  }
  return adapter ? null : NO_ADAPTER_MESSAGE;
}

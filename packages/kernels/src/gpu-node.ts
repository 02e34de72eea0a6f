/** Where the GPU comes from in Node: Dawn through the `webgpu` package. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';

let gpu: GPU | undefined;

export function getGpu(): GPU {
  if (gpu) return gpu;
  // Mesa's Vulkan loader wants a writable XDG_RUNTIME_DIR; a fresh container has none.
  if (!process.env.XDG_RUNTIME_DIR) {
    process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'stylegpu-xdg-'));
  }
  // The WebGPU enums and classes (GPUBufferUsage, …) are globals in browsers; Dawn exports them.
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  gpu = create([]) as unknown as GPU;
  return gpu;
}

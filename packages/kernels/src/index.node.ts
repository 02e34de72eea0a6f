/** Node entry: the GPU is Dawn, through the `webgpu` package. */
import { type DeviceOptions, type GpuContext, openDevice } from './device.js';
import { getGpu } from './gpu-node.js';
import { Runtime } from './runtime.js';

export * from './index.js';
export * from './io/fs-node.js';

/** Opens a WebGPU device (Dawn in Node) with the limits and features the kernels use. */
export function createDevice(opts?: DeviceOptions): Promise<GpuContext> {
  return openDevice(getGpu(), opts);
}

/** A device plus the tensor runtime on it: the usual way in. */
export async function createRuntime(opts?: DeviceOptions): Promise<Runtime> {
  return new Runtime(await createDevice(opts));
}

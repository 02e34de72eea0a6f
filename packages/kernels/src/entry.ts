/**
 * What each entry point adds to the shared surface: `createDevice` and `createRuntime` bound to
 * where that runtime's GPU object comes from (Dawn in Node, `navigator.gpu` in a browser) and how
 * it awaits that GPU (Node defers Dawn's busy polling, see dawn-wait.ts).
 */
import { type DeviceOptions, type GpuContext, type GpuWaiter, openDevice } from './device.js';
import { Runtime } from './runtime.js';

export interface EntryPoint {
  /** Opens a WebGPU device with the limits and features the kernels use. */
  createDevice(opts?: DeviceOptions): Promise<GpuContext>;
  /** A device plus the tensor runtime on it: the usual way in. */
  createRuntime(opts?: DeviceOptions): Promise<Runtime>;
}

export function entryPoint(getGpu: () => GPU | undefined, waiter?: GpuWaiter): EntryPoint {
  const createDevice = (opts?: DeviceOptions) => openDevice(getGpu(), opts, waiter);
  return {
    createDevice,
    createRuntime: async (opts?: DeviceOptions) => new Runtime(await createDevice(opts)),
  };
}

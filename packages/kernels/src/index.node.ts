/** Node entry: the GPU is Dawn, through the `webgpu` package. */
import { entryPoint } from './entry.js';
import { dawnWait } from './dawn-wait.js';
import { getGpu } from './gpu-node.js';

export * from './index.js';
export { dawnWait } from './dawn-wait.js';
export const { createDevice, createRuntime } = entryPoint(getGpu, (opts) => (promise) => dawnWait(promise, opts.pollIntervalMs ?? 1));

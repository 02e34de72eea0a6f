/** Node entry: the GPU is Dawn, through the `webgpu` package. */
import { entryPoint } from './entry.js';
import { dawnWait } from './dawn-wait.js';
import { getGpu } from './gpu-node.js';

export * from './index.js';
export * from './io/fs-node.js';
export { readEmbeddedFile } from './io/embedded-read-node.js';
export * from './io/image-codec.js';
export { dawnWait } from './dawn-wait.js';
export const { createDevice, createRuntime } = entryPoint(getGpu, (opts) => (promise) => dawnWait(promise, opts.pollIntervalMs ?? 1));

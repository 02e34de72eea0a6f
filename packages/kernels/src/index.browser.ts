/** Browser entry: the GPU is `navigator.gpu`. This file never imports the Node binding. */
import { entryPoint } from './entry.js';
import { getGpu } from './gpu-browser.js';

export * from './index.js';
export const { createDevice, createRuntime } = entryPoint(getGpu);

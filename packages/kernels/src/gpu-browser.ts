/** Where the GPU comes from in a browser or a worker. */
export function getGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/**
 * Where Debian's Chromium is and the flags that give it WebGPU headless on a GPU-less machine (then
 * SwiftShader), shared by the browser benchmarks and the playground's browser tests. playwright-core
 * drives this executable; no browser is ever downloaded.
 */
export const CHROMIUM: string = (typeof process !== 'undefined' && process.env?.STYLEGPU_CHROMIUM) || '/usr/bin/chromium';

export const CHROMIUM_ARGS: string[] = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-gpu-watchdog',
];

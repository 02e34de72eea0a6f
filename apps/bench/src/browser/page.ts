/**
 * The page side of the browser runner: bundled by esbuild with the `browser` export condition,
 * so `@stylegpu/kernels` resolves to its browser entry (navigator.gpu; it never pulls `webgpu`).
 * Exposes one function the runner calls through page.evaluate.
 */
import { createRuntime } from '@stylegpu/kernels';
import { type RunSuitesOptions, type RuntimeRun, runSuites } from '../run-suites.js';

declare global {
  interface Window {
    stylegpuBench?: (opts: Omit<RunSuitesOptions, 'log'>) => Promise<RuntimeRun>;
  }
}

window.stylegpuBench = async (opts) => {
  const rt = await createRuntime();
  try {
    const run = await runSuites(rt, 'browser', { ...opts, log: (line) => console.log(line) });
    run.adapter.userAgent = navigator.userAgent;
    return run;
  } finally {
    rt.destroy();
  }
};
document.title = 'stylegpu bench: ready';

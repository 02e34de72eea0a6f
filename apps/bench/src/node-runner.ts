/** The Node runtime: Dawn through the `webgpu` package (lavapipe on this machine). */
import { createRuntime } from '@stylegpu/kernels';
import { type RunSuitesOptions, type RuntimeRun, runSuites } from './run-suites.js';

export async function runNode(opts: RunSuitesOptions = {}): Promise<RuntimeRun> {
  const rt = await createRuntime();
  try {
    return await runSuites(rt, 'node', opts);
  } finally {
    rt.destroy();
  }
}

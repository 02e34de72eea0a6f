/** One WebGPU runtime per test file, created on first use: creating devices is slow on lavapipe. */
import { createRuntime, type Runtime } from '../../index.node.js';

let shared: Runtime | null = null;

export async function testRuntime(): Promise<Runtime> {
  shared ??= await createRuntime();
  return shared;
}

/** For `afterAll`: destroys the file's runtime (a later testRuntime() makes a new one). */
export function destroyTestRuntime(): void {
  shared?.destroy();
  shared = null;
}

/** Forcing one kernel variant (`rt.variants[op]`) for the duration of a test body. */
import type { Runtime } from '../../index.node.js';
import { expect } from 'vitest';
import { testRuntime } from './test-runtime.js';

/**
 * Runs `body` with `rt.variants[op] = variant`. A `shuffle` variant needs 8-lane subgroups: on a
 * device without them, forcing it must instead fail by name (checked with `probe`).
 */
export async function withVariant(op: string, variant: string, probe: (rt: Runtime) => unknown, body: () => Promise<void>): Promise<void> {
  const rt = await testRuntime();
  rt.variants[op] = variant;
  try {
    if (variant === 'shuffle' && rt.subgroupMinSize < 8) {
      expect(() => rt.tidy(() => probe(rt))).toThrow(new RegExp(`${op}: the 'shuffle' variant needs subgroups`));
      return;
    }
    await body();
  } finally {
    rt.variants = {};
  }
}

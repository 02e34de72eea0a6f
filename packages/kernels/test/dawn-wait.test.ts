import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dawnWaitActive } from '../src/dawn-wait.js';
import * as K from '../src/index.node.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

const realSetImmediate = globalThis.setImmediate;
afterEach(() => {
  globalThis.setImmediate = realSetImmediate;
});

const isNative = (fn: unknown) => /\[native code\]/.test(Function.prototype.toString.call(fn));

/** Puts a counting setImmediate in front of the real one; returns the counts. */
function countImmediates(): { native: number; js: number } {
  const counts = { native: 0, js: 0 };
  globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    if (isNative(fn)) counts.native++;
    else counts.js++;
    return realSetImmediate(fn, ...args);
  }) as typeof setImmediate;
  return counts;
}

/** Some GPU work that takes a while on lavapipe, then its result's read. */
async function readAfterWork(rt: K.Runtime): Promise<Float32Array> {
  const a = K.randomNormal(rt, [384, 384], { seed: 1, offset: 0 });
  const c = rt.tidy(() => K.matmul(K.matmul(a, a), a));
  try {
    return (await c.read()) as Float32Array;
  } finally {
    a.dispose();
    c.dispose();
  }
}

describe('dawnWait', () => {
  it("Dawn's own wait polls through setImmediate with a native callback (what dawnWait defers)", async () => {
    const rt = await testRuntime();
    rt.flush();
    const counts = countImmediates();
    await rt.device.queue.onSubmittedWorkDone(); // warm: nothing pending
    const a = K.randomNormal(rt, [384, 384], { seed: 1, offset: 0 });
    const c = rt.tidy(() => K.matmul(K.matmul(a, a), a));
    rt.flush();
    await rt.device.queue.onSubmittedWorkDone();
    expect(counts.native).toBeGreaterThan(0);
    a.dispose();
    c.dispose();
  });

  it('rt.read hands no tick to setImmediate while it waits, and restores the global after', async () => {
    const rt = await testRuntime();
    const counts = countImmediates();
    const mine = globalThis.setImmediate;
    const out = await readAfterWork(rt);
    expect(out.length).toBe(384 * 384);
    expect(out.every(Number.isFinite)).toBe(true);
    // At most the first tick, queued by the binding before the wait began, reaches it.
    expect(counts.native).toBeLessThanOrEqual(1);
    expect(globalThis.setImmediate).toBe(mine);
    expect(dawnWaitActive()).toBe(false);
  });

  it('JavaScript setImmediate callbacks still run as immediates during a wait', async () => {
    const rt = await testRuntime();
    const order: string[] = [];
    const wait = readAfterWork(rt);
    await new Promise<void>((resolve) => {
      setTimeout(() => order.push('timeout 30 ms'), 30);
      setImmediate(() => {
        order.push('immediate');
        resolve();
      });
    });
    await wait;
    await new Promise((r) => setTimeout(r, 40));
    expect(order[0]).toBe('immediate');
  });

  it('concurrent and failing waits restore setImmediate once the last settles', async () => {
    const rt = await testRuntime();
    const mine = globalThis.setImmediate;
    const [x, y] = await Promise.all([readAfterWork(rt), readAfterWork(rt)]);
    expect(Array.from(x)).toEqual(Array.from(y));
    expect(globalThis.setImmediate).toBe(mine);
    await expect(rt.waitFor(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(globalThis.setImmediate).toBe(mine);
    expect(dawnWaitActive()).toBe(false);
  });

  it('pollIntervalMs: 0 leaves Dawn polling back to back', async () => {
    const rt = await K.createRuntime({ pollIntervalMs: 0 });
    try {
      const counts = countImmediates();
      await readAfterWork(rt);
      expect(counts.native).toBeGreaterThan(1);
    } finally {
      rt.destroy();
    }
  });
});

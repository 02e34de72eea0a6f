/**
 * The pool's high-water mark (`peakBytesInUse`): it rises with allocations, stays after they are
 * released, and `resetPeak()` restarts it from what is in use (the benchmarks read one workload's peak).
 */
import { afterAll, expect, it } from 'vitest';
import { sizeClass } from '../src/pool.js';
import { destroyTestRuntime, testRuntime } from '../src/testing/vitest/index.js';

afterAll(destroyTestRuntime);

it('peakBytesInUse rises with allocations, stays after release, and restarts on resetPeak()', async () => {
  const rt = await testRuntime();
  rt.pool.resetPeak();
  const start = rt.pool.getStats();
  expect(start.peakBytesInUse).toBe(start.bytesInUse);

  const big = rt.empty([1024, 1024]); // 4 MiB
  const bigBytes = sizeClass(4 * 1024 * 1024);
  const afterBig = rt.pool.getStats();
  expect(afterBig.bytesInUse).toBe(start.bytesInUse + bigBytes);
  expect(afterBig.peakBytesInUse).toBe(afterBig.bytesInUse);

  big.dispose();
  const small = rt.empty([10]);
  const afterRelease = rt.pool.getStats();
  expect(afterRelease.bytesInUse).toBe(start.bytesInUse + sizeClass(40));
  expect(afterRelease.peakBytesInUse).toBe(start.bytesInUse + bigBytes); // the mark stays

  rt.pool.resetPeak();
  expect(rt.pool.getStats().peakBytesInUse).toBe(afterRelease.bytesInUse);
  small.dispose();
  expect(rt.pool.getStats().peakBytesInUse).toBe(afterRelease.bytesInUse);
});

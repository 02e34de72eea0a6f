/**
 * Awaiting Dawn in Node without spinning a CPU core.
 *
 * While any of its promises (`mapAsync`, `onSubmittedWorkDone`, …) is pending, Dawn's Node binding
 * polls the device from the JS thread: it ticks the device and re-queues itself with the global
 * `setImmediate`, back to back. On a GPU that costs one idle core. On a software adapter
 * (lavapipe runs the shaders on the same CPU) the spin competes with the shader threads. On a
 * 2-core machine it took about half the CPU and made every wait up to 1.5× longer.
 *
 * `dawnWait` awaits a promise with the binding's tick deferred: for as long as some wait is pending,
 * the global `setImmediate` hands native callbacks (the binding's tick is a native function) to
 * `setTimeout(…, intervalMs)`. JavaScript callbacks still go straight to the real `setImmediate`.
 * The original is restored when the last wait settles. Each wait gains at most about one
 * interval of latency.
 */

type Immediate = typeof globalThis.setImmediate;

let pending = 0;
let original: Immediate | null = null;
let interval = 1;

const isNative = (fn: unknown): boolean =>
  typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));

function deferNativeTicks(this: unknown, fn: (...args: unknown[]) => void, ...args: unknown[]) {
  if (isNative(fn)) return setTimeout(fn, interval, ...args);
  return (original as (fn: unknown, ...args: unknown[]) => unknown).call(this, fn, ...args);
}

/**
 * Awaits `promise`, deferring Dawn's polling by `intervalMs` per tick while it is pending
 * (`intervalMs` ≤ 0: await it as is, with Dawn's own back-to-back polling).
 */
export async function dawnWait<T>(promise: Promise<T>, intervalMs = 1): Promise<T> {
  if (!(intervalMs > 0) || typeof globalThis.setImmediate !== 'function') return promise;
  if (pending++ === 0) {
    original = globalThis.setImmediate;
    interval = intervalMs;
    globalThis.setImmediate = deferNativeTicks as unknown as Immediate;
  }
  try {
    return await promise;
  } finally {
    if (--pending === 0) {
      globalThis.setImmediate = original!;
      original = null;
    }
  }
}

/** True while some `dawnWait` is pending (for tests). */
export function dawnWaitActive(): boolean {
  return pending > 0;
}

/**
 * GPU time per compute pass with `timestamp-query`, without touching the kernels' runtime.
 *
 * The runtime records every dispatch into one compute pass per submitted batch and never passes a
 * descriptor, so wrapping `device.createCommandEncoder` on this one device object is enough: while
 * the timer is armed, each new pass gets `timestampWrites`, and `finish()` resolves the queries
 * into a mappable buffer. The harness flushes after each run, so one run = one (or a few) passes,
 * and the GPU time of a run is the sum of its passes' begin→end spans. Copies between passes
 * (rt.copy) are not covered; cases made of copies are timed by wall clock only.
 */
import type { Runtime } from '@stylegpu/kernels';

const MAX_PASSES_PER_ENCODER = 64;

interface Pending {
  read: GPUBuffer;
  resolve: GPUBuffer;
  querySet: GPUQuerySet;
  passes: number;
}

export class PassTimer {
  private armed = false;
  private pending: Pending[] = [];
  private readonly original: GPUDevice['createCommandEncoder'];

  private constructor(
    private readonly device: GPUDevice,
    private readonly waitFor: <T>(p: Promise<T>) => Promise<T>,
  ) {
    this.original = device.createCommandEncoder;
    const timer = this;
    // An own property on this device object shadows the prototype method; `uninstall` deletes it.
    (device as { createCommandEncoder: GPUDevice['createCommandEncoder'] }).createCommandEncoder = function (desc?: GPUCommandEncoderDescriptor) {
      const encoder = timer.original.call(device, desc);
      return timer.armed ? timer.instrument(encoder) : encoder;
    };
  }

  /** A timer on this device, or null if the adapter has no timestamp queries. */
  static install(rt: Runtime): PassTimer | null {
    if (!rt.device.features.has('timestamp-query')) return null;
    return new PassTimer(rt.device, (p) => rt.waitFor(p));
  }

  uninstall(): void {
    delete (this.device as { createCommandEncoder?: unknown }).createCommandEncoder;
    for (const p of this.pending) this.release(p);
    this.pending = [];
  }

  /** Times passes of encoders created from now on, until `collect`. */
  arm(): void {
    this.armed = true;
  }

  /** Stops timing; after the GPU finished (await rt.sync() first), returns each pass's milliseconds. */
  async collect(): Promise<number[]> {
    this.armed = false;
    const pending = this.pending;
    this.pending = [];
    const spans: number[] = [];
    for (const p of pending) {
      await this.waitFor(p.read.mapAsync(GPUMapMode.READ));
      const ticks = new BigInt64Array(p.read.getMappedRange().slice(0));
      p.read.unmap();
      for (let i = 0; i < p.passes; i++) {
        const ns = Number(ticks[2 * i + 1] - ticks[2 * i]);
        // A pass the implementation did not time reads 0 → 0; negative spans are clock resets: drop them.
        if (ns >= 0) spans.push(ns / 1e6);
      }
      this.release(p);
    }
    return spans;
  }

  private instrument(encoder: GPUCommandEncoder): GPUCommandEncoder {
    const device = this.device;
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES_PER_ENCODER });
    let passes = 0;
    const begin = encoder.beginComputePass;
    const finish = encoder.finish;
    Object.assign(encoder, {
      beginComputePass: (desc?: GPUComputePassDescriptor) => {
        if (passes >= MAX_PASSES_PER_ENCODER) return begin.call(encoder, desc);
        const i = passes++;
        return begin.call(encoder, {
          ...(desc ?? {}),
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
      },
      finish: (desc?: GPUCommandBufferDescriptor) => {
        if (passes === 0) {
          querySet.destroy();
          return finish.call(encoder, desc);
        }
        const bytes = 16 * passes;
        const resolve = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        encoder.resolveQuerySet(querySet, 0, 2 * passes, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, read, 0, bytes);
        this.pending.push({ read, resolve, querySet, passes });
        return finish.call(encoder, desc);
      },
    });
    return encoder;
  }

  private release(p: Pending): void {
    p.read.destroy();
    p.resolve.destroy();
    p.querySet.destroy();
  }
}

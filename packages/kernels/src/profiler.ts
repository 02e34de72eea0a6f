/**
 * Kernel profiler: GPU time per kernel, from timestamp queries.
 *
 * While a profile runs (`rt.startProfile()` … `await profile.stop()`), the runtime gives every
 * dispatch a compute pass of its own whose `timestampWrites` bracket it. Before each batch is
 * submitted, the batch's timestamps are resolved into a buffer that `stop()` reads. Times are
 * summed by kernel specialisation (`Kernel.key`), so "modulatedConv2d|shuffle:…" and
 * "modulatedConv2d|wgrad:…" show up as separate rows.
 *
 * Splitting a batch into one pass per dispatch costs something on every adapter, and the
 * profiler creates a few buffers per batch. Use it to find where time goes, not to time things.
 */

export interface KernelTime {
  /** Op name, as in errors (`conv2d`, `biasAct`, …). */
  op: string;
  /** The kernel's specialisation key. */
  key: string;
  calls: number;
  /** Summed GPU time of its passes, in milliseconds. */
  ms: number;
}

interface PendingBatch {
  resolved: GPUBuffer;
  read: GPUBuffer;
  labels: Array<[string, string]>;
}

export class KernelProfile {
  private readonly querySet: GPUQuerySet;
  private labels: Array<[string, string]> = [];
  private pending: PendingBatch[] = [];
  private stopped = false;

  /**
   * @param capacity dispatches per batch the query set holds; `full` tells the runtime to submit first.
   * @param finish called by `stop()`: submits what is recorded, detaches the profile and waits for the GPU.
   */
  constructor(
    private readonly device: GPUDevice,
    readonly capacity: number,
    private readonly finish: () => Promise<void>,
    private readonly waitFor: <T>(p: Promise<T>) => Promise<T>,
  ) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * capacity });
  }

  get full(): boolean {
    return this.labels.length >= this.capacity;
  }

  /** The descriptor of the pass that will hold one dispatch of kernel (op, key). */
  passFor(op: string, key: string): GPUComputePassDescriptor {
    const slot = this.labels.length;
    this.labels.push([op, key]);
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * slot, endOfPassWriteIndex: 2 * slot + 1 } };
  }

  /** Resolves this batch's timestamps into a readable buffer; call just before `encoder.finish()`. */
  resolve(encoder: GPUCommandEncoder): void {
    const n = this.labels.length;
    if (n === 0) return;
    const bytes = 16 * n;
    const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, bytes);
    this.pending.push({ resolved, read, labels: this.labels });
    this.labels = [];
  }

  /** Ends the profile: submits, waits, and returns the kernels by total time, slowest first. */
  async stop(): Promise<KernelTime[]> {
    if (this.stopped) throw new Error('KernelProfile.stop: this profile was already stopped');
    this.stopped = true;
    await this.finish();
    const rows = new Map<string, KernelTime>();
    for (const batch of this.pending) {
      await this.waitFor(batch.read.mapAsync(GPUMapMode.READ));
      const ticks = new BigInt64Array(batch.read.getMappedRange().slice(0));
      batch.read.unmap();
      batch.read.destroy();
      batch.resolved.destroy();
      batch.labels.forEach(([op, key], i) => {
        const ns = Number(ticks[2 * i + 1] - ticks[2 * i]);
        const row = rows.get(key) ?? { op, key, calls: 0, ms: 0 };
        row.calls++;
        // Negative spans are clock resets between passes: count the call, not the time.
        if (ns > 0) row.ms += ns / 1e6;
        rows.set(key, row);
      });
    }
    this.pending = [];
    this.querySet.destroy();
    return [...rows.values()].sort((a, b) => b.ms - a.ms);
  }
}

/** The rows as an aligned text table (top `limit` kernels, then the rest summed). */
export function formatProfile(rows: readonly KernelTime[], limit = 20): string {
  const total = rows.reduce((a, r) => a + r.ms, 0);
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit);
  const lines = shown.map((r) => [r.ms.toFixed(1), `${((100 * r.ms) / (total || 1)).toFixed(1)}%`, String(r.calls), r.key]);
  if (rest.length) {
    const ms = rest.reduce((a, r) => a + r.ms, 0);
    lines.push([ms.toFixed(1), `${((100 * ms) / (total || 1)).toFixed(1)}%`, String(rest.reduce((a, r) => a + r.calls, 0)), `(${rest.length} more kernels)`]);
  }
  lines.push([total.toFixed(1), '100%', String(rows.reduce((a, r) => a + r.calls, 0)), 'total']);
  const head = ['ms', 'share', 'calls', 'kernel'];
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (l: string[]) => l.map((v, c) => (c < 3 ? v.padStart(widths[c]) : v)).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

/**
 * Buffer pool: GPU buffers are recycled by size class instead of created and destroyed per op.
 *
 * Size classes are 2^k, 1.25·2^k, 1.5·2^k and 1.75·2^k bytes (at least 256), so a request wastes
 * under 25% and a training step that allocates the same shapes every iteration hits the free
 * lists every time. All pooled buffers share one usage (storage + copies), so any class serves any op.
 */

export const POOL_USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008; /* COPY_DST */

export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  for (const m of [1, 1.25, 1.5, 1.75, 2]) {
    const c = Math.ceil(p * m / 4) * 4;
    if (c >= bytes) return c;
  }
  return 2 * p;
}

export interface PoolStats {
  /** Buffers handed out and not yet released. */
  buffersInUse: number;
  bytesInUse: number;
  /** Buffers waiting in the free lists. */
  buffersFree: number;
  bytesFree: number;
  /** Buffers ever created (a steady training loop stops growing this). */
  created: number;
  /** High-water mark of bytesInUse since the pool was made or `resetPeak()` was last called. */
  peakBytesInUse: number;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private stats = { buffersInUse: 0, bytesInUse: 0, buffersFree: 0, bytesFree: 0, created: 0, peakBytesInUse: 0 };

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.buffersFree--;
      this.stats.bytesFree -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: POOL_USAGE });
      this.stats.created++;
    }
    this.stats.buffersInUse++;
    this.stats.bytesInUse += size;
    this.stats.peakBytesInUse = Math.max(this.stats.peakBytesInUse, this.stats.bytesInUse);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.stats.buffersInUse--;
    this.stats.bytesInUse -= size;
    this.stats.buffersFree++;
    this.stats.bytesFree += size;
  }

  /** Destroys every free buffer (memory goes back to the driver). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.stats.buffersFree = 0;
    this.stats.bytesFree = 0;
  }

  /** Starts a new high-water mark from what is in use now (to measure one workload's peak). */
  resetPeak(): void {
    this.stats.peakBytesInUse = this.stats.bytesInUse;
  }

  getStats(): PoolStats {
    return { ...this.stats };
  }
}

/**
 * Tensor: a shape, a dtype and a GPU buffer, always contiguous (row-major).
 *
 * Ops live in `ops/`; this file only knows storage and lifetime. A reshape is a new Tensor on the
 * same storage (the storage counts its tensors and goes back to the pool with the last one).
 */
import type { GradNode } from './grad-node.js';
import type { Runtime } from './runtime.js';

/**
 * Element types. `f16` needs the adapter's `shader-f16` feature; it is storage and arithmetic for
 * the ops that say so (see ops/cast.ts), and reads back as a Float32Array of the f16 values.
 */
export type DType = 'f32' | 'f16' | 'i32' | 'u32';
export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, f16: 2, i32: 4, u32: 4 };
export type TypedArrayOf<D extends DType> = D extends 'f32' | 'f16' ? Float32Array : D extends 'i32' ? Int32Array : Uint32Array;

/** The buffer behind one or more tensors (reshapes share it). */
export class Storage {
  private refs = 1;
  constructor(
    readonly buffer: GPUBuffer,
    private readonly onFree: (b: GPUBuffer) => void,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.onFree(this.buffer);
  }
}

let nextId = 1;

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  /** Set by ops when any input requires grad and grad recording is on. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()`; kept alive past scopes. */
  grad: Tensor | null = null;
  /** How this tensor was made, for `backward()`; null for leaves. */
  gradFn: GradNode | null = null;
  /** The scope that owns this tensor, or null if kept. */
  scope: Set<Tensor> | null = null;
  name?: string;
  private storage: Storage | null;

  constructor(
    readonly rt: Runtime,
    readonly shape: readonly number[],
    readonly dtype: DType,
    storage: Storage,
  ) {
    this.size = shapeSize(shape);
    this.storage = storage;
    rt.track(this);
  }

  get byteSize(): number {
    return this.size * BYTES_PER_ELEMENT[this.dtype];
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** The GPU buffer. Throws if the tensor was disposed. */
  get buffer(): GPUBuffer {
    return this.liveStorage('buffer').buffer;
  }

  /** Shares storage; for ops (reshape) only. */
  shareStorage(op: string): Storage {
    return this.liveStorage(op).retain();
  }

  /** Throws, naming the op, if this tensor was disposed. */
  assertLive(op: string): void {
    this.liveStorage(op);
  }

  private liveStorage(op: string): Storage {
    if (!this.storage) {
      throw new Error(`${op}: tensor #${this.id} ${formatShape(this.shape)}${this.name ? ` (${this.name})` : ''} was used after dispose()`);
    }
    return this.storage;
  }

  /** Releases the buffer now (idempotent). The gradient, if any, is disposed too. */
  dispose(): void {
    if (!this.storage) return;
    this.storage.release();
    this.storage = null;
    this.rt.untrack(this);
    this.grad?.dispose();
    this.grad = null;
    this.gradFn = null;
  }

  /** Copies the data back to the CPU. Async: it waits for the GPU. Never call inside a compute path. */
  read(): Promise<TypedArrayOf<this['dtype']>> {
    return this.rt.read(this) as Promise<TypedArrayOf<this['dtype']>>;
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements ${formatShape(this.shape)}, expected 1`);
    return (await this.read())[0];
  }

  toString(): string {
    return `Tensor#${this.id}(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}${this.isDisposed ? ', disposed' : ''})`;
  }
}

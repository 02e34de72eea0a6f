/**
 * Torch storages and the tensors that view them.
 *
 * In a torch checkpoint a tensor is not its own data: it is a view (storage offset, sizes, strides) into a flat
 * typed "storage", and several tensors may view one storage (a parameter and its transpose, slices of one buffer).
 * The pickle records the views; the storage bytes come from elsewhere (a zip record, or raw bytes after the pickle
 * in the legacy format, which means they can arrive after the tensors that use them). So a TorchTensor keeps a
 * reference to its storage and builds its C-ordered `data` on first access: a zero-copy subarray when the view is
 * contiguous, otherwise a gather by stride.
 */

import {
  allocHostData,
  dtypeByteSize,
  hostDataFromBytes,
  numel,
  type DType,
  type HostData,
  type HostTensor,
} from '../host-tensor.js';

/** `torch.<Name>Storage` class names → element dtype. (Untyped storages are bytes.) */
export const STORAGE_DTYPES: Record<string, DType> = {
  DoubleStorage: 'f64',
  FloatStorage: 'f32',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
  UntypedStorage: 'u8',
};

/** `torch.<name>` dtype objects → dtype. */
export const TORCH_DTYPES: Record<string, DType> = {
  float64: 'f64',
  double: 'f64',
  float32: 'f32',
  float: 'f32',
  float16: 'f16',
  half: 'f16',
  bfloat16: 'bf16',
  int64: 'i64',
  long: 'i64',
  int32: 'i32',
  int: 'i32',
  int16: 'i16',
  short: 'i16',
  int8: 'i8',
  uint8: 'u8',
  bool: 'bool',
};

/** A flat storage of `numel` elements; `bytes` are attached once they have been found. */
export class TorchStorage {
  private bytes: Uint8Array | undefined;
  private elements: HostData | undefined;

  constructor(
    readonly dtype: DType,
    readonly numel: number,
    /** The key naming the storage in the file (zip record name or legacy key), for error messages. */
    readonly key: string,
    readonly location: string,
  ) {}

  get loaded(): boolean {
    return this.bytes !== undefined;
  }

  attach(bytes: Uint8Array): void {
    const needed = this.numel * dtypeByteSize(this.dtype);
    if (bytes.length < needed) {
      throw new Error(
        `torch: storage '${this.key}' holds ${bytes.length} bytes but ${this.numel} ${this.dtype} elements need ${needed}; ` +
          'the file is truncated or damaged',
      );
    }
    this.bytes = bytes;
    this.elements = undefined;
  }

  /** The storage as a typed array (decoded once, on first use). */
  data(): HostData {
    if (!this.bytes) throw new Error(`torch: storage '${this.key}' was never loaded (its data is missing from the file)`);
    this.elements ??= hostDataFromBytes(this.dtype, this.bytes, 0, this.numel);
    return this.elements;
  }
}

/** A strided view of a TorchStorage; satisfies HostTensor with lazily materialised C-order data. */
export class TorchTensor implements HostTensor {
  readonly dtype: DType;
  requiresGrad = false;
  private materialised: HostData | undefined;

  constructor(
    readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    this.dtype = storage.dtype;
    const bad = (what: string): never => {
      throw new Error(
        `torch: tensor view of storage '${storage.key}' is invalid (${what}): ` +
          `shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${storageOffset}, storage of ${storage.numel}`,
      );
    };
    if (shape.length !== stride.length) bad('shape and stride lengths differ');
    if (![...shape, ...stride, storageOffset].every((v) => Number.isSafeInteger(v) && v >= 0)) {
      bad('sizes, strides and offset must be integers ≥ 0');
    }
    if (!Number.isSafeInteger(numel(shape))) bad('more than 2^53 elements');
    if (numel(shape) > 0) {
      let last = storageOffset;
      for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
      if (last >= storage.numel) bad(`reaches element ${last}`);
    }
  }

  get isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.stride[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /**
   * The tensor's elements in C order. A contiguous view shares the storage's memory (like a torch view: tensors
   * that share a storage share data); a strided one is gathered into a new array.
   */
  get data(): HostData {
    if (!this.materialised) {
      const source = this.storage.data();
      const n = numel(this.shape);
      this.materialised = this.isContiguous
        ? source.subarray(this.storageOffset, this.storageOffset + n)
        : gatherStrided(source, this.dtype, this.storageOffset, this.shape, this.stride);
    }
    return this.materialised;
  }
}

/** Copy a strided view of `source` into a new C-ordered array (odometer over the index, innermost axis fastest). */
export function gatherStrided(
  source: HostData,
  dtype: DType,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): HostData {
  const n = numel(shape);
  const out = allocHostData(dtype, n);
  if (n === 0) return out;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const src = source as unknown as { [i: number]: number | bigint };
  const dst = out as unknown as { [i: number]: number | bigint };
  let at = offset;
  for (let i = 0; i < n; i++) {
    dst[i] = src[at];
    // Advance the last axis; carry into earlier axes when one wraps.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      at += stride[axis];
      if (index[axis] < shape[axis]) break;
      at -= stride[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

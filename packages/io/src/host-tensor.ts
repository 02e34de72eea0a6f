/**
 * HostTensor: a tensor that lives in CPU memory, as file readers produce it and file writers consume it.
 *
 * Every reader in `io/` (safetensors, npy, torch checkpoints) returns this one shape, so model loaders can be written
 * once: look a name up, check `shape`, call `toFloat32` and upload. Data is always little-endian and C-ordered
 * (row-major, last axis fastest); readers that meet anything else either convert or refuse with an error.
 *
 * Half-precision types (f16, bf16) have no JS typed array, so their raw 16-bit patterns sit in a Uint16Array;
 * `toFloat32` decodes them. 64-bit integers use BigInt64Array / BigUint64Array so no value is silently rounded.
 */

export type DType =
  | 'f64'
  | 'f32'
  | 'f16'
  | 'bf16'
  | 'i64'
  | 'u64'
  | 'i32'
  | 'u32'
  | 'i16'
  | 'u16'
  | 'i8'
  | 'u8'
  | 'bool';

export type HostData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface HostTensor {
  dtype: DType;
  /** Sizes per axis; `[]` is a scalar (one element). */
  shape: number[];
  /** `numel(shape)` elements in C order. f16/bf16 hold raw bit patterns; bool holds 0/1 bytes. */
  data: HostData;
}

type TypedArrayCtor = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): HostData;
  new (length: number): HostData;
  readonly BYTES_PER_ELEMENT: number;
};

const ARRAY_TYPES: Record<DType, TypedArrayCtor> = {
  f64: Float64Array,
  f32: Float32Array,
  f16: Uint16Array,
  bf16: Uint16Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
  bool: Uint8Array,
};

export const DTYPES = Object.keys(ARRAY_TYPES) as DType[];

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(ARRAY_TYPES, s);
}

export function dtypeByteSize(dtype: DType): number {
  return ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
}

/** Number of elements; the empty shape is a scalar with one element. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// Typed arrays read in the platform's byte order, and every format here is little-endian. All JS engines that run
// WebGPU are on little-endian hosts, so rather than swap on every read we check once and refuse otherwise.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('io: big-endian hosts are not supported (all tensor formats are little-endian)');
}

/** An empty (zero-filled) typed array of the right kind for `dtype`. */
export function allocHostData(dtype: DType, count: number): HostData {
  return new ARRAY_TYPES[dtype](count);
}

/**
 * Typed array over `count` elements of `dtype` read from `bytes` at `byteOffset`.
 * The bytes are copied into a fresh buffer: file offsets are often not aligned to the element size (typed arrays
 * require alignment), and a copy lets the caller drop the whole file buffer once the tensors it wants are read.
 */
export function hostDataFromBytes(dtype: DType, bytes: Uint8Array, byteOffset: number, count: number): HostData {
  assertLittleEndianHost();
  const ctor = ARRAY_TYPES[dtype];
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  if (byteOffset < 0 || byteOffset + byteLength > bytes.length) {
    throw new Error(
      `io: need ${byteLength} bytes of ${dtype} at offset ${byteOffset}, but only ${bytes.length} bytes are available`,
    );
  }
  // Uint8Array's slice copies; a Node Buffer's own slice would return a view into its shared pool.
  const copy = Uint8Array.prototype.slice.call(bytes, byteOffset, byteOffset + byteLength);
  return new ctor(copy.buffer, 0, count);
}

/** The raw little-endian bytes of a tensor's data (a view, not a copy). */
export function hostDataBytes(data: HostData): Uint8Array {
  assertLittleEndianHost();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Build a HostTensor, checking that the data array matches dtype and shape so mistakes surface here, not on the GPU. */
export function hostTensor(dtype: DType, shape: number[], data: HostData): HostTensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`io: bad shape [${shape.join(', ')}] (sizes must be integers ≥ 0)`);
  }
  const ctor = ARRAY_TYPES[dtype];
  if (!(data instanceof ctor)) {
    throw new Error(`io: ${dtype} data must be a ${ctor.name}, got ${data.constructor.name}`);
  }
  if (data.length !== numel(shape)) {
    throw new Error(`io: shape [${shape.join(', ')}] needs ${numel(shape)} elements, data has ${data.length}`);
  }
  return { dtype, shape, data };
}

// ---------------------------------------------------------------------------------------------------------------
// Half-precision decoding.
// ---------------------------------------------------------------------------------------------------------------

/** IEEE 754 binary16 bit pattern → number (exact: every f16 value is representable in f32 and f64). */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** number → IEEE 754 binary16 bit pattern, rounding to nearest even (used by writers and tests). */
export function numberToFloat16Bits(value: number): number {
  // Go through f32 bits: f16 is f32 with a narrower exponent and a 13-bit shorter fraction.
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let frac = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Subnormal f16: shift the implicit 1 in, then round to nearest even on the bits shifted out.
    if (e < -10) return sign;
    frac |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = frac & ((1 << shift) - 1);
    let m = frac >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const rest = frac & 0x1fff;
  let m = frac >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion to float32, the only dtype the GPU kernels take.
// ---------------------------------------------------------------------------------------------------------------

/**
 * The tensor's values as a Float32Array, in C order.
 * - f32 returns the tensor's own array (no copy); copy it if you will mutate it.
 * - f16 / bf16 decode exactly; f64 rounds to nearest f32.
 * - Integers and bool convert by value. 64-bit integers beyond ±2^53 cannot be held exactly by a JS number, and
 *   f32 rounds them anyway; they are converted by value (BigInt → Number → f32) without an error because weights and
 *   counters (`num_batches_tracked`) are far below that.
 */
export function toFloat32(t: HostTensor): Float32Array {
  const { data } = t;
  switch (t.dtype) {
    case 'f32':
      return data as Float32Array;
    case 'f16': {
      const bits = data as Uint16Array;
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = float16BitsToNumber(bits[i]);
      return out;
    }
    case 'bf16': {
      // bfloat16 is the top half of an f32: shift into place and reinterpret.
      const bits = data as Uint16Array;
      const wide = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
      return new Float32Array(wide.buffer);
    }
    case 'i64':
    case 'u64': {
      const big = data as BigInt64Array | BigUint64Array;
      const out = new Float32Array(big.length);
      for (let i = 0; i < big.length; i++) out[i] = Number(big[i]);
      return out;
    }
    default:
      // f64, i32, u32, i16, u16, i8, u8, bool: typed-array construction converts each element by value.
      return Float32Array.from(data as ArrayLike<number>);
  }
}

/** The tensor's values as plain JS numbers (f16/bf16 decoded, 64-bit integers via Number). Handy for small tensors. */
export function toNumbers(t: HostTensor): number[] {
  if (t.dtype === 'f64') return Array.from(t.data as Float64Array);
  if (t.dtype === 'i64' || t.dtype === 'u64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  if (t.dtype === 'f16' || t.dtype === 'bf16') return Array.from(toFloat32(t));
  return Array.from(t.data as ArrayLike<number>);
}

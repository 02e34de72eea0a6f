/**
 * Between CPU HostTensors (what the @stylegpu/io readers produce) and GPU Tensors.
 *
 * The GPU holds f32, i32 and u32 only, so `fromHost` converts on upload:
 * - f16, bf16 decode exactly, f64 rounds to nearest f32 (as torch's `.float()`);
 * - i64 / u64 narrow to i32 / u32, refusing any value that does not fit (a silent wrap would turn
 *   an index or a step counter into garbage);
 * - i16, i8 widen to i32; u16, u8 and bool widen to u32.
 * `toHost` reads a tensor back as a HostTensor of the same dtype, ready for the io writers.
 */
import { numel, toFloat32, type HostDType, type HostTensor } from '@stylegpu/io';
import { encodeF16 } from './f16.js';
import type { Runtime } from './runtime.js';
import { formatShape, type DType as GpuDType, type Tensor } from './tensor.js';

/** The GPU dtype each host dtype is uploaded as. */
export const GPU_DTYPE_OF: Readonly<Record<HostDType, Exclude<GpuDType, 'f16'>>> = {
  f64: 'f32',
  f32: 'f32',
  f16: 'f32',
  bf16: 'f32',
  i64: 'i32',
  u64: 'u32',
  i32: 'i32',
  u32: 'u32',
  i16: 'i32',
  u16: 'u32',
  i8: 'i32',
  u8: 'u32',
  bool: 'u32',
};

export interface FromHostOptions {
  /** Sets `tensor.name` (shown in errors). */
  name?: string;
}

/** Uploads a HostTensor as a GPU tensor (owned by the current scope, like any new tensor). */
export function fromHost(rt: Runtime, h: HostTensor, opts: FromHostOptions = {}): Tensor {
  const what = opts.name ? `'${opts.name}' ` : '';
  const dtype = GPU_DTYPE_OF[h.dtype];
  if (!dtype) throw new Error(`fromHost: ${what}has unknown dtype ${String(h.dtype)}`);
  const n = numel(h.shape);
  if (h.data.length !== n) {
    throw new Error(`fromHost: ${what}${h.dtype} ${formatShape(h.shape)} needs ${n} elements, its data has ${h.data.length}`);
  }
  // Checked here, before converting, so a huge checkpoint entry fails fast and names the upload.
  const limit = rt.gpu.limits.maxStorageBufferBindingSize;
  if (n * 4 > limit) {
    throw new Error(
      `fromHost: ${what}${h.dtype} ${formatShape(h.shape)} needs ${n * 4} bytes as ${dtype}, over this adapter's maxStorageBufferBindingSize of ${limit} bytes`,
    );
  }
  let data: Float32Array | Int32Array | Uint32Array;
  if (dtype === 'f32') data = toFloat32(h);
  else if (h.dtype === 'i64' || h.dtype === 'u64') data = narrow(h, dtype, what);
  else data = dtype === 'i32' ? Int32Array.from(h.data as ArrayLike<number>) : Uint32Array.from(h.data as ArrayLike<number>);
  const t = rt.tensor(data, h.shape, dtype);
  if (opts.name) t.name = opts.name;
  return t;
}

/** 64-bit integers to 32 bits, refusing the first value out of range. */
function narrow(h: HostTensor, dtype: 'i32' | 'u32', what: string): Int32Array | Uint32Array {
  const src = h.data as BigInt64Array | BigUint64Array;
  const [lo, hi] = dtype === 'i32' ? [-(2n ** 31n), 2n ** 31n - 1n] : [0n, 2n ** 32n - 1n];
  const out = dtype === 'i32' ? new Int32Array(src.length) : new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo || v > hi) {
      throw new Error(`fromHost: ${what}${h.dtype} ${formatShape(h.shape)} holds ${v} at element ${i}, outside the ${dtype} range [${lo}, ${hi}]`);
    }
    out[i] = Number(v);
  }
  return out;
}

/** Uploads every tensor of a checkpoint map; on an error, the ones already uploaded are disposed. */
export function fromHostMap(rt: Runtime, tensors: Map<string, HostTensor> | Record<string, HostTensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  try {
    for (const [name, h] of entries) out.set(name, fromHost(rt, h, { name }));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/** Reads a tensor back into CPU memory as a HostTensor of its dtype (f16 as raw bits, as the io writers expect). */
export async function toHost(t: Tensor): Promise<HostTensor> {
  t.assertLive('toHost');
  const data = await t.read();
  if (t.dtype === 'f16') return { dtype: 'f16', shape: [...t.shape], data: encodeF16(data) };
  return { dtype: t.dtype, shape: [...t.shape], data };
}

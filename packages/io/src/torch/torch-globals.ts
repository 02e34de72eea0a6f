/**
 * The allowlist of Python globals a tensor checkpoint may name, each with a JS handler that builds a plain value.
 *
 * What the handlers stand in for (semantics read from torch/_utils.py, torch/serialization.py, torch/storage.py,
 * numpy's pickling, and NVlabs' torch_utils/persistence.py):
 * - torch._utils._rebuild_tensor(_v2)(storage, offset, size, stride, …) → a strided view of a storage
 * - torch._utils._rebuild_parameter(_with_state)(tensor, requires_grad, hooks[, state]) → the same tensor
 * - torch.<X>Storage, torch.<dtype> → type tags, read by the checkpoint reader's persistent-id handler
 * - torch.storage._load_from_bytes(b) → a nested torch.save blob (how a plain pickle.dump stores storages)
 * - collections.OrderedDict, builtins.set/frozenset, dnnlib.util.EasyDict → Map / Set
 * - numpy scalars, dtypes and arrays → numbers and HostTensors
 * - torch_utils.persistence._reconstruct_persistent_obj(meta) → a PersistentModule holding the module's pickled
 *   state. The real function execs `meta.module_src`; here that source is kept as an inert string and never run.
 */

import { dtypeByteSize, float16BitsToNumber, hostDataFromBytes, numel, type DType, type HostData, type HostTensor } from '../host-tensor.js';
import { byteSwapped, parseNumpyDescr } from '../npy.js';
import { describe, PickleGlobal, show, type GlobalHandler, type GlobalHandlers } from './pickle.js';
import { ReadBudget, STANDALONE_ALLOCATION_LIMIT } from './read-budget.js';
import { gatherStrided, STORAGE_DTYPES, TORCH_DTYPES, TorchStorage, TorchTensor } from './storage.js';

/** A module from an NVIDIA network pickle (`torch_utils.persistence`), as data: class name and `__dict__` state. */
export class PersistentModule {
  constructor(
    readonly className: string,
    /** The module's `__dict__`: `_parameters`, `_buffers`, `_modules` (Maps), `_init_args`, `_init_kwargs`, … */
    readonly state: Map<unknown, unknown>,
    /** The Python source NVIDIA embeds so the class can be rebuilt. Kept for inspection; never executed. */
    readonly moduleSource: string,
    readonly version: number,
  ) {}
  get parameters(): Map<unknown, unknown> {
    return asMap(this.state.get('_parameters'));
  }
  get buffers(): Map<unknown, unknown> {
    return asMap(this.state.get('_buffers'));
  }
  get modules(): Map<unknown, unknown> {
    return asMap(this.state.get('_modules'));
  }
  get initArgs(): unknown[] {
    const args = this.state.get('_init_args');
    return Array.isArray(args) ? args : [];
  }
  get initKwargs(): Map<unknown, unknown> {
    return asMap(this.state.get('_init_kwargs'));
  }
}

function asMap(v: unknown): Map<unknown, unknown> {
  return v instanceof Map ? v : new Map();
}

/** `numpy.dtype(code, align, copy)`; BUILD then supplies the byte order. */
export class NumpyDtype {
  byteOrder = '=';
  constructor(readonly code: string) {}
  __setstate__(state: unknown): void {
    if (Array.isArray(state) && typeof state[1] === 'string') this.byteOrder = state[1];
  }
  resolve(): { dtype: DType; bigEndian: boolean } {
    return parseNumpyDescr(`${this.byteOrder === '=' ? '<' : this.byteOrder}${this.code}`, `numpy dtype '${this.code}'`);
  }
}

/** A numpy array inside a pickle: `_reconstruct(ndarray, (0,), b'b')` makes it empty, BUILD fills it. */
export class NumpyArray implements HostTensor {
  dtype: DType = 'f32';
  shape: number[] = [0];
  data: HostData = new Float32Array(0);
  readonly #budget: ReadBudget | undefined; // not an enumerable field: the array is plain data to its users
  constructor(budget?: ReadBudget) {
    this.#budget = budget;
  }
  __setstate__(state: unknown): void {
    // (version, shape, dtype, is_fortran, raw); very old numpy omits the version.
    const s = Array.isArray(state) && state.length === 4 ? [1, ...state] : state;
    if (!Array.isArray(s) || s.length !== 5) throw new Error('numpy array state is not (version, shape, dtype, fortran, data)');
    const [, shape, dtype, fortran, raw] = s;
    const { dtype: dt, shape: sh, data } = arrayFromBytes(shape, dtype, raw, fortran === true, this.#budget);
    Object.assign(this, { dtype: dt, shape: sh, data });
  }
}

function arrayFromBytes(shape: unknown, dtype: unknown, raw: unknown, fortran: boolean, budget?: ReadBudget): HostTensor {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`numpy array shape is not a tuple of ints ≥ 0: ${describeShape(shape)}`);
  }
  if (!(dtype instanceof NumpyDtype)) throw new Error('numpy array dtype is not a numpy.dtype');
  if (!(raw instanceof Uint8Array)) throw new Error(`numpy arrays of dtype '${dtype.code}' (object arrays) are not supported`);
  const { dtype: dt, bigEndian } = dtype.resolve();
  const n = numel(shape as number[]);
  // Checked before any copy or byte swap: the shape is bounded by the bytes the pickle really holds.
  if (n * dtypeByteSize(dt) > raw.length) {
    throw new Error(`numpy array ${dt} [${(shape as number[]).join(', ')}] needs ${n * dtypeByteSize(dt)} bytes, its data has ${raw.length}`);
  }
  budget?.charge(n * dtypeByteSize(dt), () => `a numpy array ${dt} [${(shape as number[]).slice(0, 8).join(', ')}]`);
  const bytes = bigEndian ? byteSwapped(raw, dtypeByteSize(dt)) : raw;
  let data = hostDataFromBytes(dt, bytes, 0, n);
  if (fortran && shape.length > 1) {
    // Column-major: the first axis varies fastest. Reorder to C order with the matching strides.
    const stride: number[] = [];
    let s = 1;
    for (const d of shape as number[]) {
      stride.push(s);
      s *= d;
    }
    data = gatherStrided(data, dt, 0, shape as number[], stride);
  }
  return { dtype: dt, shape: shape as number[], data };
}

function describeShape(shape: unknown): string {
  return Array.isArray(shape) ? `(${shape.slice(0, 8).map((d) => show(d)).join(', ')}${shape.length > 8 ? ', …' : ''})` : describe(shape);
}

function numpyScalar(args: unknown[]): unknown {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) throw new Error('expected (numpy.dtype, bytes)');
  const t = arrayFromBytes([], dtype, raw, false);
  const v = t.data[0];
  if (t.dtype === 'bool') return v !== 0;
  if (t.dtype === 'f16') return float16BitsToNumber(v as number);
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor rebuilding
// ---------------------------------------------------------------------------------------------------------------

function ints(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`${what} must be a tuple of ints`);
  return v as number[];
}

const rebuildTensor =
  (budget: ReadBudget): GlobalHandler =>
  (args) => {
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof TorchStorage)) throw new Error('first argument is not a storage');
    if (typeof offset !== 'number') throw new Error('storage offset must be an int');
    // The constructor refuses negative or out-of-storage views; the budget refuses views that describe far more
    // than the file holds (stride 0, or one storage viewed a million times). Both before anything is allocated.
    const t = new TorchTensor(storage, offset, ints(size, 'size'), ints(stride, 'stride'));
    budget.charge(numel(t.shape) * dtypeByteSize(t.dtype), () => describeView(t));
    t.requiresGrad = requiresGrad === true;
    return t;
  };

function describeView(t: TorchTensor): string {
  const list = (a: number[]) => `[${a.slice(0, 8).join(', ')}${a.length > 8 ? ', …' : ''}]`;
  return `a tensor view of storage '${t.storage.key}' (${t.dtype}, shape ${list(t.shape)}, stride ${list(t.stride)})`;
}

const rebuildParameter: GlobalHandler = (args) => {
  const [data, requiresGrad] = args;
  if (data instanceof TorchTensor) data.requiresGrad = requiresGrad === true;
  return data;
};

// ---------------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------------

export interface TorchGlobalsOptions {
  /** Reads a nested `torch.save` blob (for `torch.storage._load_from_bytes`). */
  loadNested: (bytes: Uint8Array) => unknown;
  /** Charged by every handler that builds something large (default: a fixed 1 GiB per torchGlobals() table). */
  budget?: ReadBudget;
}

const identity: GlobalHandler = (args) => args[0];

/**
 * Handlers that copy a container argument charge it first, at 64 bytes an entry (about what a JS Map entry
 * costs): the memo can hand them one large map 100 000 times.
 */
function copying(budget: ReadBudget, what: string, handler: GlobalHandler): GlobalHandler {
  return (args, kwargs) => {
    const src = args[0];
    const entries = src instanceof Map || src instanceof Set ? src.size : Array.isArray(src) ? src.length : 0;
    budget.charge(64 * entries, () => `${what} of ${entries} entries`);
    return handler(args, kwargs);
  };
}

const dictFromArgs: GlobalHandler = (args) => {
  const map = new Map<unknown, unknown>();
  const init = args[0];
  if (init instanceof Map) for (const [k, v] of init) map.set(k, v);
  else if (Array.isArray(init)) for (const pair of init) if (Array.isArray(pair)) map.set(pair[0], pair[1]);
  return map;
};

const setFromArgs: GlobalHandler = (args) => new Set(Array.isArray(args[0]) ? args[0] : args[0] instanceof Set ? args[0] : []);

export function torchGlobals(options: TorchGlobalsOptions): GlobalHandlers {
  const budget = options.budget ?? ReadBudget.fixed(STANDALONE_ALLOCATION_LIMIT);
  const rebuild = rebuildTensor(budget);
  const dictFrom = copying(budget, 'collections.OrderedDict', dictFromArgs);
  const setFrom = copying(budget, 'a set', setFromArgs);
  const table: GlobalHandlers = {
    'collections.OrderedDict': dictFrom,
    'builtins.set': setFrom,
    'builtins.frozenset': setFrom,
    '__builtin__.set': setFrom, // protocol ≤ 2 pickles spell builtins the Python 2 way
    '__builtin__.frozenset': setFrom,
    // Protocol 2 pickles bytes as _codecs.encode(<latin-1 text>, 'latin1') so Python 2 can read them.
    '_codecs.encode': (args) => {
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
        throw new Error(`only latin1-encoded bytes are supported, got encoding ${show(encoding)}`);
      }
      budget.charge(text.length, () => `bytes of ${text.length} characters`);
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 0xff) throw new Error(`character U+${c.toString(16).padStart(4, '0')} at index ${i} is not latin1`);
        out[i] = c;
      }
      return out;
    },

    'torch._utils._rebuild_tensor': rebuild,
    'torch._utils._rebuild_tensor_v2': rebuild,
    'torch._utils._rebuild_parameter': rebuildParameter,
    'torch._utils._rebuild_parameter_with_state': rebuildParameter,
    // Tensor subclasses: _rebuild_from_type_v2(func, type, args, state) → func(*args); the subclass is dropped.
    'torch._tensor._rebuild_from_type_v2': (args) => {
      const [func, , fargs] = args;
      if (!(func instanceof PickleGlobal) || !func.handler || !Array.isArray(fargs)) throw new Error('expected (func, type, args, state)');
      return func.handler(fargs);
    },
    'torch.nn.parameter.Parameter': null,
    'torch.Tensor': null,
    'torch._tensor.Tensor': null,
    'torch.Size': copying(budget, 'torch.Size', (args) => (Array.isArray(args[0]) ? [...args[0]] : [])),
    'torch.device': (args) => (args.length > 1 && args[1] !== null ? `${String(args[0])}:${String(args[1])}` : String(args[0])),
    'torch.storage._load_from_bytes': (args) => {
      if (!(args[0] instanceof Uint8Array)) throw new Error('expected bytes');
      // Loading one memoised blob many times would build its storages many times.
      budget.charge(args[0].length, () => `a nested torch.save blob of ${(args[0] as Uint8Array).length} bytes`);
      return options.loadNested(args[0]);
    },
    'torch.storage.UntypedStorage': null,
    'torch.storage.TypedStorage': null,
    'torch.TypedStorage': null,
    // TorchScript archives wrap some attribute values in type-tag helpers that return their first argument.
    'torch.jit._pickle.restore_type_tag': identity,
    'torch.jit._pickle.build_intlist': identity,
    'torch.jit._pickle.build_doublelist': identity,
    'torch.jit._pickle.build_boollist': identity,
    'torch.jit._pickle.build_tensorlist': identity,

    'numpy.dtype': (args) => {
      if (typeof args[0] !== 'string') throw new Error('expected a type code string');
      return new NumpyDtype(args[0]);
    },
    'numpy.ndarray': null,
    'numpy.core.multiarray.scalar': numpyScalar,
    'numpy._core.multiarray.scalar': numpyScalar,
    'numpy.core.multiarray._reconstruct': () => new NumpyArray(budget),
    'numpy._core.multiarray._reconstruct': () => new NumpyArray(budget),
    'numpy.core.numeric._frombuffer': (args) => frombuffer(args, budget),
    'numpy._core.numeric._frombuffer': (args) => frombuffer(args, budget),

    'torch_utils.persistence._reconstruct_persistent_obj': (args) => {
      const meta = args[0];
      if (!(meta instanceof Map)) throw new Error('meta is not a dict');
      const state = meta.get('state');
      return new PersistentModule(
        String(meta.get('class_name')),
        state instanceof Map ? state : new Map(),
        String(meta.get('module_src') ?? ''),
        Number(meta.get('version')),
      );
    },
    'dnnlib.util.EasyDict': dictFrom,
  };
  for (const name of Object.keys(STORAGE_DTYPES)) {
    table[`torch.${name}`] = null;
    table[`torch.cuda.${name}`] = null;
  }
  for (const name of Object.keys(TORCH_DTYPES)) table[`torch.${name}`] = null;
  return table;
}

function frombuffer(args: unknown[], budget: ReadBudget): HostTensor {
  const [buf, dtype, shape, order] = args;
  return arrayFromBytes(shape, dtype, buf, order === 'F', budget);
}

/** dtype named by a storage-type global (`torch.FloatStorage`) or a dtype global (`torch.float32`). */
export function dtypeOfTorchGlobal(v: unknown): DType | undefined {
  if (!(v instanceof PickleGlobal)) return undefined;
  if (v.module === 'torch' || v.module === 'torch.cuda' || v.module === 'torch.storage') {
    return STORAGE_DTYPES[v.name] ?? TORCH_DTYPES[v.name];
  }
  return undefined;
}

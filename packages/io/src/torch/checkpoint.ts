/**
 * readTorchCheckpoint: PyTorch checkpoints without Python and without running any of their code.
 *
 * Three container formats reach users (research notes, section D):
 *
 * zip      `torch.save` since 1.6, and `torch.jit.save` (OpenAI CLIP's .pt files). A zip archive with one top-level
 *          folder: `<archive>/data.pkl` is the pickled object; each storage it names by persistent id
 *          `('storage', torch.FloatStorage, key, location, numel)` is the raw record `<archive>/data/<key>`.
 *          TorchScript archives add `code/` (Python-like source, never read here), `constants.pkl` (storages
 *          under `constants/`) and pickle their modules as `__torch__.<Class>` objects whose BUILD state holds the
 *          parameters directly. `<archive>/byteorder`, when present, says 'little' or 'big'.
 * legacy   `torch.save(..., _use_new_zipfile_serialization=False)`. Five pickles in a row, then raw data: the magic
 *          number 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys-info dict (byte order, type sizes), the
 *          object (persistent ids `('storage', type, key, location, numel, view_metadata)`), and the sorted list
 *          of storage keys; then for each key an int64 element count followed by the storage's bytes.
 * pickle   a plain `pickle.dump`, as NVIDIA's network snapshots (.pkl) are: each storage is
 *          `torch.storage._load_from_bytes(<a complete legacy torch.save of that storage>)`.
 *
 * Every pickle goes through the allowlisting VM in `pickle.ts`; globals outside `torch-globals.ts` are refused.
 */

import { dtypeByteSize, type DType } from '../host-tensor.js';
import { looksLikeZip, ZipArchive } from '../zip.js';
import { PickledObject, show, unpickle, type GlobalHandler, type GlobalHandlers } from './pickle.js';
import { DEFAULT_EXTRA_ALLOCATION_BYTES, ReadBudget } from './read-budget.js';
import { TorchStorage } from './storage.js';
import { dtypeOfTorchGlobal, torchGlobals } from './torch-globals.js';

export type TorchCheckpointFormat = 'zip' | 'torchscript' | 'legacy' | 'pickle';

export interface TorchCheckpoint {
  format: TorchCheckpointFormat;
  /** The unpickled object: Maps for dicts, arrays for lists/tuples, TorchTensor (a HostTensor) at the leaves. */
  root: unknown;
  /** TorchScript only: the tensors of `constants.pkl`. */
  constants?: unknown;
}

export interface ReadTorchOptions {
  /** Extra allow-listed globals (`'module.name'` → handler, or null for value-only), merged over the defaults. */
  handlers?: GlobalHandlers;
  /** The file's name or path, put in front of every error message. */
  name?: string;
  /**
   * One read may build (decode storages, view them, copy numpy arrays) at most 4 × the file's size plus this many
   * bytes (default 64 MiB); honest checkpoints need 2 × (zip, legacy) to 3 × (NVIDIA pickles). See ReadBudget.
   */
  extraAllocationBytes?: number;
  /** Most bytes a zip checkpoint's deflated entries may inflate to (default 1 GiB; torch.save stores, not deflates). */
  maxInflatedBytes?: number;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/**
 * `torch.storage._load_from_bytes` blobs nested in one another. NVIDIA pickles nest one level (a blob per storage,
 * holding no further blobs); a deeper chain only serves to exhaust the stack.
 */
const MAX_NESTED_LOADS = 4;

/** What one read shares with the nested blobs it loads. */
interface ReadContext {
  options: ReadTorchOptions;
  budget: ReadBudget;
  depth: number;
}

export function readTorchCheckpoint(bytes: Uint8Array, options: ReadTorchOptions = {}): TorchCheckpoint {
  const budget = ReadBudget.forFile(bytes.length, options.extraAllocationBytes ?? DEFAULT_EXTRA_ALLOCATION_BYTES);
  const context = { options, budget, depth: 0 };
  if (!options.name) return readAny(bytes, context);
  try {
    return readAny(bytes, context);
  } catch (e) {
    throw new Error(`${options.name}: ${(e as Error).message}`, { cause: e });
  }
}

function readAny(bytes: Uint8Array, context: ReadContext): TorchCheckpoint {
  if (looksLikeZip(bytes)) return readZip(bytes, context);
  if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    throw new Error('torch: this is a tar checkpoint from PyTorch < 0.4, which is not supported; re-save it with a current torch.save');
  }
  if (bytes.length === 0 || bytes[0] !== 0x80) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `torch: not a recognised checkpoint (expected a zip archive, a legacy torch.save file or a pickle); first bytes: ${head || '(empty)'}`,
    );
  }
  // A legacy file and a plain pickle both start with a pickle; the legacy one's first pickle is the magic number.
  const globals = makeGlobals(context);
  const first = unpickle(bytes, { globals, source: context.depth > 0 ? 'nested torch.save blob' : undefined });
  if (first.value === LEGACY_MAGIC) return { format: 'legacy', root: readLegacy(bytes, first.end, globals, context.budget) };
  return { format: 'pickle', root: first.value };
}

function makeGlobals(context: ReadContext): GlobalHandlers {
  const loadNested = (nested: Uint8Array): unknown => {
    if (context.depth + 1 > MAX_NESTED_LOADS) {
      throw new Error(
        `torch: torch.storage._load_from_bytes blobs are nested more than ${MAX_NESTED_LOADS} deep; ` +
          'real checkpoints nest one level, so the file is damaged or hostile',
      );
    }
    return readAny(nested, { ...context, depth: context.depth + 1 }).root;
  };
  return { ...torchGlobals({ loadNested, budget: context.budget }), ...context.options.handlers };
}

// ---------------------------------------------------------------------------------------------------------------
// Zip archives (torch.save ≥ 1.6, torch.jit.save)
// ---------------------------------------------------------------------------------------------------------------

function readZip(bytes: Uint8Array, context: ReadContext): TorchCheckpoint {
  // Only the central directory is read up front; data.pkl and then the storage records it names are read (and, if
  // deflated, inflated) when needed, so junk entries cost nothing.
  const zip = ZipArchive.open(bytes, 'torch', { maxInflatedBytes: context.options.maxInflatedBytes });
  const names = zip.names;
  const dataPkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? names.find((n) => n === 'data.pkl');
  if (!dataPkl) {
    throw new Error(
      `torch: the zip archive has no <archive>/data.pkl, so it is not a torch.save or torch.jit.save file ` +
        `(entries: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
    );
  }
  const prefix = dataPkl.slice(0, -'data.pkl'.length);
  const byteorderEntry = zip.entry(`${prefix}byteorder`);
  if (byteorderEntry) {
    const said = byteorderEntry.size <= 16 ? new TextDecoder().decode(zip.read(byteorderEntry.name)).trim() : '(too long)';
    if (said !== 'little') {
      throw new Error(`torch: ${prefix}byteorder says '${said}'; only little-endian checkpoints are supported`);
    }
  }
  const torchscript = names.some((n) => n.startsWith(`${prefix}code/`)) || zip.has(`${prefix}constants.pkl`);

  const globals = makeGlobals(context);
  // A deflated entry brings in more bytes than the file holds; the budget grows with what was inflated.
  const readEntry = (name: string): Uint8Array | undefined => {
    const entry = zip.entry(name);
    if (entry && entry.method !== 0) context.budget.grow(entry.size);
    return zip.read(name);
  };
  // TorchScript pickles its modules as instances of compiled classes named `__torch__.…`. Those names cannot
  // refer to importable Python code, so they become inert PickledObjects whose BUILD state holds the attributes.
  const resolveGlobal = torchscript
    ? (module: string, name: string): GlobalHandler | undefined =>
        module === '__torch__' || module.startsWith('__torch__.')
          ? (args) => new PickledObject(`${module}.${name}`, args)
          : undefined
    : undefined;

  const load = (pickleName: string, recordFolder: string): unknown => {
    const storages = new Map<string, TorchStorage>();
    const source = `${prefix}${pickleName}`;
    return unpickle(readEntry(source)!, {
      globals,
      resolveGlobal,
      source,
      persistentLoad: (pid) => {
        const { dtype, key, location, numel } = parseStoragePid(pid, source);
        let storage = storages.get(key);
        if (!storage) {
          const record = `${prefix}${recordFolder}/${key}`;
          const entry = zip.entry(record);
          if (!entry) throw new Error(`torch: ${source} names storage '${key}', but the archive has no record ${record}`);
          const need = numel * dtypeByteSize(dtype);
          if (entry.size < need) {
            // Said before reading (or inflating) the record at all.
            throw new Error(
              `torch: storage '${record}' holds ${entry.size} bytes but ${numel} ${dtype} elements need ${need}; ` +
                'the file is truncated or damaged',
            );
          }
          context.budget.charge(need, () => `storage '${record}' (${numel} ${dtype} elements)`);
          const data = readEntry(record)!;
          storage = new TorchStorage(dtype, numel, record, location);
          storage.attach(data);
          storages.set(key, storage);
        }
        return storage;
      },
    }).value;
  };

  const root = load('data.pkl', 'data');
  if (!torchscript) return { format: 'zip', root };
  const constants = zip.has(`${prefix}constants.pkl`) ? load('constants.pkl', 'constants') : undefined;
  return { format: 'torchscript', root, constants };
}

// ---------------------------------------------------------------------------------------------------------------
// Legacy format (torch.save with _use_new_zipfile_serialization=False, and the blobs inside NVIDIA pickles)
// ---------------------------------------------------------------------------------------------------------------

function readLegacy(bytes: Uint8Array, start: number, globals: GlobalHandlers, budget: ReadBudget): unknown {
  const protocol = unpickle(bytes, { globals, offset: start, source: 'legacy protocol version' });
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new Error(`torch: legacy checkpoint has protocol version ${show(protocol.value)}, expected ${LEGACY_PROTOCOL}`);
  }
  const sysInfo = unpickle(bytes, { globals, offset: protocol.end, source: 'legacy sys info' });
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new Error('torch: legacy checkpoint was written on a big-endian machine, which is not supported');
  }

  const storages = new Map<string, TorchStorage>();
  const pendingViews: Array<{ root: TorchStorage; offset: number; target: TorchStorage }> = [];
  const main = unpickle(bytes, {
    globals,
    offset: sysInfo.end,
    source: 'legacy object pickle',
    persistentLoad: (pid) => {
      if (Array.isArray(pid) && text(pid[0]) === 'module') return pid[1]; // a whole-module save names its class
      const { dtype, key, location, numel, view } = parseStoragePid(pid, 'legacy object pickle');
      let root = storages.get(key);
      if (!root) {
        // The data comes after the pickle; a storage larger than the whole file cannot be there.
        if (numel * dtypeByteSize(dtype) > bytes.length) {
          throw new Error(
            `torch: legacy storage '${key}' declares ${numel} ${dtype} elements (${numel * dtypeByteSize(dtype)} bytes), ` +
              `more than the whole file (${bytes.length} bytes)`,
          );
        }
        budget.charge(numel * dtypeByteSize(dtype), () => `legacy storage '${key}' (${numel} ${dtype} elements)`);
        root = new TorchStorage(dtype, numel, key, location);
        storages.set(key, root);
      }
      if (view) {
        if (view.offset + view.size > root.numel) {
          throw new Error(
            `torch: legacy storage view '${view.key}' covers elements [${view.offset}, ${view.offset + view.size}) ` +
              `of storage '${key}', which has ${root.numel}`,
          );
        }
        // Pre-1.0 files could save a storage that is a slice of another; give it its own storage over that slice.
        budget.charge(view.size * dtypeByteSize(dtype), () => `legacy storage view '${view.key}' (${view.size} ${dtype} elements)`);
        const sliced = new TorchStorage(dtype, view.size, `${view.key} (view of ${key})`, location);
        pendingViews.push({ root, offset: view.offset, target: sliced });
        return sliced;
      }
      return root;
    },
  });
  const keyList = unpickle(bytes, { globals, offset: main.end, source: 'legacy storage key list' });
  if (!Array.isArray(keyList.value)) throw new Error('torch: legacy checkpoint storage key list is not a list');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keyList.end;
  for (const k of keyList.value) {
    const key = text(k);
    const storage = storages.get(key);
    if (!storage) throw new Error(`torch: legacy checkpoint lists storage '${key}', which the object pickle never uses`);
    if (pos + 8 > bytes.length) {
      throw new Error(`torch: legacy checkpoint is truncated before the size of storage '${key}' (offset ${pos})`);
    }
    const count = view.getBigInt64(pos, true);
    pos += 8;
    const nbytes = Number(count) * dtypeByteSize(storage.dtype);
    if (count < 0n || Number(count) !== storage.numel) {
      throw new Error(`torch: legacy storage '${key}' records ${count} elements, but the pickle declared ${storage.numel}`);
    }
    if (pos + nbytes > bytes.length) {
      throw new Error(
        `torch: legacy checkpoint is truncated inside storage '${key}' (needs ${nbytes} bytes at offset ${pos}, file has ${bytes.length})`,
      );
    }
    storage.attach(bytes.subarray(pos, pos + nbytes));
    pos += nbytes;
  }
  for (const [key, storage] of storages) {
    if (!storage.loaded) throw new Error(`torch: legacy storage '${key}' is used by the object pickle but missing from the storage key list`);
  }
  for (const { root, offset, target } of pendingViews) {
    const size = dtypeByteSize(root.dtype);
    target.attach(new Uint8Array(root.data().buffer, root.data().byteOffset + offset * size, target.numel * size));
  }
  return main.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Persistent ids
// ---------------------------------------------------------------------------------------------------------------

interface StoragePid {
  dtype: DType;
  key: string;
  location: string;
  numel: number;
  view?: { key: string; offset: number; size: number };
}

/** `('storage', <storage type>, key, location, numel[, view_metadata])`; py2-era files may use bytes for strings. */
function parseStoragePid(pid: unknown, source: string): StoragePid {
  if (!Array.isArray(pid) || text(pid[0]) !== 'storage' || pid.length < 5) {
    throw new Error(`torch: ${source} has an unexpected persistent id (expected ('storage', type, key, location, numel))`);
  }
  const dtype = dtypeOfTorchGlobal(pid[1]);
  if (!dtype) throw new Error(`torch: ${source} names a storage of unsupported type`);
  const numel = typeof pid[4] === 'number' ? pid[4] : NaN;
  if (!Number.isSafeInteger(numel) || numel < 0) {
    throw new Error(`torch: ${source} storage '${text(pid[2])}' has a bad size ${show(pid[4])} (must be an integer ≥ 0)`);
  }
  const result: StoragePid = { dtype, key: text(pid[2]), location: text(pid[3]), numel };
  const meta = pid[5];
  if (Array.isArray(meta) && meta.length === 3) {
    const [, offset, size] = meta;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) {
      throw new Error(
        `torch: ${source} storage '${result.key}' has a bad view (offset ${show(offset)}, size ${show(size)}; both must be integers ≥ 0)`,
      );
    }
    result.view = { key: text(meta[0]), offset, size };
  }
  return result;
}

function text(v: unknown): string {
  if (v instanceof Uint8Array) return new TextDecoder('latin1').decode(v);
  return String(v);
}

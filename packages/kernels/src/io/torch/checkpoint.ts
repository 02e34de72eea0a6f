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

import { unzipSync } from 'fflate';
import { dtypeByteSize, type DType } from '../host-tensor.js';
import { PickledObject, unpickle, type GlobalHandler, type GlobalHandlers } from './pickle.js';
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
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

export function readTorchCheckpoint(bytes: Uint8Array, options: ReadTorchOptions = {}): TorchCheckpoint {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return readZip(bytes, options);
  }
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
  const globals = makeGlobals(options);
  const first = unpickle(bytes, { globals });
  if (first.value === LEGACY_MAGIC) return { format: 'legacy', root: readLegacy(bytes, first.end, globals) };
  return { format: 'pickle', root: first.value };
}

function makeGlobals(options: ReadTorchOptions): GlobalHandlers {
  return {
    ...torchGlobals({ loadNested: (nested) => readTorchCheckpoint(nested, options).root }),
    ...options.handlers,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Zip archives (torch.save ≥ 1.6, torch.jit.save)
// ---------------------------------------------------------------------------------------------------------------

function readZip(bytes: Uint8Array, options: ReadTorchOptions): TorchCheckpoint {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`torch: the zip archive is damaged or truncated (${(e as Error).message})`);
  }
  const names = Object.keys(files);
  const dataPkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? names.find((n) => n === 'data.pkl');
  if (!dataPkl) {
    throw new Error(
      `torch: the zip archive has no <archive>/data.pkl, so it is not a torch.save or torch.jit.save file ` +
        `(entries: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
    );
  }
  const prefix = dataPkl.slice(0, -'data.pkl'.length);
  const byteorder = files[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new Error(`torch: ${prefix}byteorder says '${new TextDecoder().decode(byteorder).trim()}'; only little-endian checkpoints are supported`);
  }
  const torchscript = names.some((n) => n.startsWith(`${prefix}code/`)) || `${prefix}constants.pkl` in files;

  const globals = makeGlobals(options);
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
    return unpickle(files[source], {
      globals,
      resolveGlobal,
      source,
      persistentLoad: (pid) => {
        const { dtype, key, location, numel } = parseStoragePid(pid, source);
        let storage = storages.get(key);
        if (!storage) {
          const record = `${prefix}${recordFolder}/${key}`;
          const data = files[record];
          if (!data) throw new Error(`torch: ${source} names storage '${key}', but the archive has no record ${record}`);
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
  const constants = `${prefix}constants.pkl` in files ? load('constants.pkl', 'constants') : undefined;
  return { format: 'torchscript', root, constants };
}

// ---------------------------------------------------------------------------------------------------------------
// Legacy format (torch.save with _use_new_zipfile_serialization=False, and the blobs inside NVIDIA pickles)
// ---------------------------------------------------------------------------------------------------------------

function readLegacy(bytes: Uint8Array, start: number, globals: GlobalHandlers): unknown {
  const protocol = unpickle(bytes, { globals, offset: start, source: 'legacy protocol version' });
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new Error(`torch: legacy checkpoint has protocol version ${String(protocol.value)}, expected ${LEGACY_PROTOCOL}`);
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
        root = new TorchStorage(dtype, numel, key, location);
        storages.set(key, root);
      }
      if (view) {
        // Pre-1.0 files could save a storage that is a slice of another; give it its own storage over that slice.
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
  if (!Number.isSafeInteger(numel) || numel < 0) throw new Error(`torch: ${source} storage '${text(pid[2])}' has a bad size`);
  const result: StoragePid = { dtype, key: text(pid[2]), location: text(pid[3]), numel };
  const meta = pid[5];
  if (Array.isArray(meta) && meta.length === 3 && typeof meta[1] === 'number' && typeof meta[2] === 'number') {
    result.view = { key: text(meta[0]), offset: meta[1], size: meta[2] };
  }
  return result;
}

function text(v: unknown): string {
  if (v instanceof Uint8Array) return new TextDecoder('latin1').decode(v);
  return String(v);
}

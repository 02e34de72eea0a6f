/**
 * writeTorchCheckpoint: the zip format `torch.save` has written since PyTorch 1.6, for dicts of tensors, so that
 * `torch.load` (checked against torch 1.13) reads files made here.
 *
 * Layout (torch/serialization.py `_save`, caffe2's PyTorchStreamWriter): a zip of uncompressed records under one
 * folder, `<archive>/data.pkl` first, then `<archive>/data/<key>` holding each storage's raw little-endian bytes
 * (data aligned to 64 bytes inside the file, as PyTorch pads with an 'FB' extra field), and `<archive>/version`
 * ("3\n"). `data.pkl` is a protocol-2 pickle in which every tensor is
 * `torch._utils._rebuild_tensor_v2(<persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)>, 0, size,
 * stride, False, OrderedDict())`, each tensor with its own storage.
 *
 * Only what checkpoints of tensors need is written: dicts (plain or OrderedDict), lists as tuples, strings,
 * numbers, booleans, None and HostTensors. Integers must be safe integers; other numbers are written as floats.
 */

import { hostDataBytes, numel, type DType, type HostTensor } from '../host-tensor.js';

/** A dict that `torch.load` returns as `collections.OrderedDict` (what `module.state_dict()` is). */
export class PyOrderedDict extends Map<string, TorchSaveValue> {}

/** A float that stays a Python float even when integral (a JS number that is an integer is pickled as an int). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type TorchSaveValue =
  | HostTensor
  | PyOrderedDict
  | Map<string, TorchSaveValue>
  | TorchSaveValue[]
  | PyFloat
  | string
  | number
  | boolean
  | null;

const STORAGE_TYPE: Partial<Record<DType, string>> = {
  f32: 'FloatStorage',
  f64: 'DoubleStorage',
  f16: 'HalfStorage',
  bf16: 'BFloat16Storage',
  i64: 'LongStorage',
  i32: 'IntStorage',
  i16: 'ShortStorage',
  i8: 'CharStorage',
  u8: 'ByteStorage',
  bool: 'BoolStorage',
};

export interface WriteTorchOptions {
  /** The zip's top-level folder; torch.save uses the file's base name, torch.load accepts any. */
  archiveName?: string;
}

export function writeTorchCheckpoint(root: TorchSaveValue, options: WriteTorchOptions = {}): Uint8Array {
  const archive = options.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(archive)) throw new Error(`writeTorchCheckpoint: bad archive name '${archive}'`);
  const storages: HostTensor[] = [];
  const pickle = new PickleWriter();
  pickle.proto2();
  pickle.value(root, storages, '');
  pickle.stop();
  const records: Array<[string, Uint8Array]> = [[`${archive}/data.pkl`, pickle.bytes()]];
  storages.forEach((t, i) => records.push([`${archive}/data/${i}`, hostDataBytes(t.data)]));
  records.push([`${archive}/version`, new TextEncoder().encode('3\n')]);
  return writeStoredZip(records, 64);
}

// ---------------------------------------------------------------------------------------------------------------
// Pickle (protocol 2 opcodes only; CPython Lib/pickletools.py documents each)
// ---------------------------------------------------------------------------------------------------------------

function isHostTensor(v: unknown): v is HostTensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v && Array.isArray((v as HostTensor).shape);
}

class PickleWriter {
  private chunks: number[] = [];
  private readonly utf8 = new TextEncoder();

  private op(code: string): void {
    this.chunks.push(code.charCodeAt(0));
  }
  private u8(...bytes: number[]): void {
    this.chunks.push(...bytes);
  }
  private u32(n: number): void {
    this.chunks.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  proto2(): void {
    this.u8(0x80, 2);
  }
  stop(): void {
    this.op('.');
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
  private global(module: string, name: string): void {
    this.op('c');
    for (const b of this.utf8.encode(`${module}\n${name}\n`)) this.chunks.push(b);
  }
  private str(s: string): void {
    const b = this.utf8.encode(s);
    this.op('X'); // BINUNICODE
    this.u32(b.length);
    for (const x of b) this.chunks.push(x);
  }
  private int(n: number, where: string): void {
    if (!Number.isSafeInteger(n)) throw new Error(`writeTorchCheckpoint: ${where}: ${n} is not a safe integer`);
    if (n >= 0 && n < 256) {
      this.u8(0x4b, n); // BININT1
    } else if (n >= -0x80000000 && n <= 0x7fffffff) {
      this.op('J'); // BININT
      this.u32(n >>> 0);
    } else {
      // LONG1: little-endian two's complement, 8 bytes is enough for safe integers
      const big = BigInt.asUintN(64, BigInt(n));
      this.u8(0x8a, 8);
      for (let i = 0n; i < 8n; i++) this.chunks.push(Number((big >> (8n * i)) & 0xffn));
    }
  }
  private float(x: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false); // BINFLOAT is big-endian
    this.op('G');
    this.chunks.push(...b);
  }
  private tuple(items: Array<() => void>): void {
    this.op('(');
    for (const item of items) item();
    this.op('t');
  }
  private orderedDictCall(): void {
    this.global('collections', 'OrderedDict');
    this.op(')');
    this.op('R');
  }

  value(v: TorchSaveValue, storages: HostTensor[], where: string): void {
    if (v === null) this.op('N');
    else if (v === true) this.u8(0x88);
    else if (v === false) this.u8(0x89);
    else if (typeof v === 'string') this.str(v);
    else if (typeof v === 'number') Number.isInteger(v) ? this.int(v, where) : this.float(v);
    else if (v instanceof PyFloat) this.float(v.value);
    else if (Array.isArray(v)) this.tuple(v.map((x, i) => () => this.value(x, storages, `${where}[${i}]`)));
    else if (v instanceof Map) {
      if (v instanceof PyOrderedDict) this.orderedDictCall();
      else this.op('}');
      if (v.size > 0) {
        this.op('(');
        for (const [k, x] of v) {
          if (typeof k !== 'string') throw new Error(`writeTorchCheckpoint: ${where}: dict keys must be strings`);
          this.str(k);
          this.value(x, storages, where ? `${where}.${k}` : k);
        }
        this.op('u'); // SETITEMS
      }
    } else if (isHostTensor(v)) this.tensor(v, storages, where);
    else throw new Error(`writeTorchCheckpoint: ${where || 'root'}: cannot pickle this value`);
  }

  private tensor(t: HostTensor, storages: HostTensor[], where: string): void {
    const type = STORAGE_TYPE[t.dtype];
    if (!type) throw new Error(`writeTorchCheckpoint: ${where}: dtype ${t.dtype} has no torch storage type`);
    const n = numel(t.shape);
    if (t.data.length !== n) {
      throw new Error(`writeTorchCheckpoint: ${where}: shape [${t.shape.join(', ')}] needs ${n} elements, data has ${t.data.length}`);
    }
    const key = String(storages.length);
    storages.push(t);
    const stride: number[] = [];
    let s = 1;
    for (let i = t.shape.length - 1; i >= 0; i--) {
      stride.unshift(s);
      s *= t.shape[i];
    }
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.tuple([
      () => {
        this.tuple([() => this.str('storage'), () => this.global('torch', type), () => this.str(key), () => this.str('cpu'), () => this.int(n, where)]);
        this.op('Q'); // BINPERSID
      },
      () => this.int(0, where),
      () => this.tuple(t.shape.map((d) => () => this.int(d, where))),
      () => this.tuple(stride.map((d) => () => this.int(d, where))),
      () => this.u8(0x89),
      () => this.orderedDictCall(),
    ]);
    this.op('R');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Zip (stored, no compression; APPNOTE.TXT local headers, central directory, end record)
// ---------------------------------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function writeStoredZip(records: Array<[string, Uint8Array]>, alignment: number): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of records) {
    const nameBytes = enc.encode(name);
    const crc = crc32(data);
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new Error('writeTorchCheckpoint: zip64 (files of 4 GiB and more) is not supported');
    // PyTorch pads the local header's extra field ('FB' + length + filler) so the data starts on `alignment`.
    let extraLength = 0;
    const unpadded = offset + 30 + nameBytes.length;
    if (unpadded % alignment !== 0) {
      extraLength = alignment - (unpadded % alignment);
      if (extraLength < 4) extraLength += alignment;
    }
    const local = new Uint8Array(30 + nameBytes.length + extraLength);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0, true); // flags
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true); // time
    lv.setUint16(12, 0x21, true); // date 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extraLength, true);
    local.set(nameBytes, 30);
    if (extraLength > 0) {
      lv.setUint16(30 + nameBytes.length, 0x4246, true); // 'FB'
      lv.setUint16(32 + nameBytes.length, extraLength - 4, true);
      local.fill(0x5a, 34 + nameBytes.length); // 'Z' filler, as PyTorch writes
    }
    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    central.push(entry);
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, records.length, true);
  ev.setUint16(10, records.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const p of [...parts, ...central, end]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}


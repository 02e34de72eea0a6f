/**
 * A tiny pickle assembler for tests: hand-written pickles (hostile ones included) without Python, and the two
 * torch containers around them (a torch.save zip, a legacy torch.save file).
 */
import { zipSync } from 'fflate';
import { concatBytes } from '../src/testing/fuzz.js';

const enc = new TextEncoder();

export class PickleAsm {
  private readonly out: number[] = [];

  raw(...bytes: Array<number | Uint8Array>): this {
    for (const b of bytes) {
      if (typeof b === 'number') this.out.push(b);
      else for (const x of b) this.out.push(x);
    }
    return this;
  }
  text(s: string): this {
    return this.raw(enc.encode(s));
  }
  proto(n = 2): this {
    return this.raw(0x80, n);
  }
  /** GLOBAL: "c module\nname\n". */
  global(module: string, name: string): this {
    return this.raw(0x63).text(`${module}\n${name}\n`);
  }
  /** STACK_GLOBAL from two pushed strings. */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).raw(0x93);
  }
  /** BINUNICODE. */
  str(s: string): this {
    const b = enc.encode(s);
    return this.raw(0x58, ...u32(b.length), b);
  }
  /** BININT when it fits, else LONG1 (two's complement, little-endian). */
  int(v: number | bigint): this {
    const n = BigInt(v);
    if (n >= -(2n ** 31n) && n < 2n ** 31n) return this.raw(0x4a, ...i32(Number(n)));
    return this.raw(0x8a).raw(...long(n));
  }
  bytes(b: Uint8Array): this {
    return this.raw(0x42, ...u32(b.length), b);
  }
  none(): this {
    return this.raw(0x4e);
  }
  false(): this {
    return this.raw(0x89);
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  /** A tuple of ints via MARK … TUPLE. */
  ints(values: Array<number | bigint>): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  bytesOut(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function i32(n: number): number[] {
  return u32(n >>> 0);
}
/** LONG1 payload: length byte then little-endian two's complement. */
function long(n: bigint): number[] {
  const bytes: number[] = [];
  let v = n;
  for (;;) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
    const sign = bytes[bytes.length - 1] & 0x80;
    if ((v === 0n && !sign) || (v === -1n && sign)) break;
  }
  return [bytes.length, ...bytes];
}

export interface TensorView {
  /** Elements the storage declares. */
  numel: number | bigint;
  offset: number | bigint;
  size: Array<number | bigint>;
  stride: Array<number | bigint>;
  key?: string;
  /** Legacy files only: the persistent id's view metadata (a slice of the storage, pre-1.0 torch). */
  view?: { key: string; offset: number; size: number };
}

/** `_rebuild_tensor_v2(<persistent id of a FloatStorage>, offset, size, stride, False, OrderedDict())`. */
export function rebuildTensor(p: PickleAsm, v: TensorView): PickleAsm {
  return rebuildArgs(p.global('torch._utils', '_rebuild_tensor_v2'), v).reduce();
}

/** Just the argument tuple of `_rebuild_tensor_v2`. */
export function rebuildArgs(p: PickleAsm, v: TensorView): PickleAsm {
  p.mark();
  p.mark().str('storage').global('torch', 'FloatStorage').str(v.key ?? '0').str('cpu').int(v.numel);
  if (v.view) p.mark().str(v.view.key).int(v.view.offset).int(v.view.size).tuple();
  p.tuple().binpersid();
  p.int(v.offset).ints(v.size).ints(v.stride).false();
  p.global('collections', 'OrderedDict').mark().tuple().reduce();
  return p.tuple();
}

/** data.pkl holding one tensor view, zipped with its FloatStorage record as torch.save lays it out. */
export function torchZipWithView(v: TensorView, storage: Float32Array): Uint8Array {
  const pkl = rebuildTensor(new PickleAsm().proto(2), v).stop().bytesOut();
  return zipSync(
    {
      'archive/data.pkl': pkl,
      [`archive/data/${v.key ?? '0'}`]: new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength),
      'archive/version': enc.encode('3\n'),
    },
    { level: 0 },
  );
}

/**
 * A legacy (non-zip) torch.save file: magic, protocol 1001, sys info, `object` (a pickle built by `body`, whose
 * persistent ids name the storages), the key list, then each storage as int64 count + bytes.
 */
export function legacyFile(body: (p: PickleAsm) => PickleAsm, storages: Array<{ key: string; data: Float32Array }>): Uint8Array {
  const magic = new PickleAsm().proto(2).int(0x1950a86a20f9469cfc6cn).stop();
  const protocol = new PickleAsm().proto(2).int(1001).stop();
  const sysInfo = new PickleAsm().proto(2).emptyDict().str('little_endian').raw(0x88).raw(0x73).stop();
  const object = body(new PickleAsm().proto(2)).stop();
  const keys = new PickleAsm().proto(2).mark();
  for (const s of storages) keys.str(s.key);
  keys.raw(0x6c).stop(); // LIST
  const parts: Uint8Array[] = [magic, protocol, sysInfo, object, keys].map((p) => p.bytesOut());
  for (const s of storages) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(s.data.length), true);
    parts.push(count, new Uint8Array(s.data.buffer.slice(0)));
  }
  return concatBytes(...parts);
}

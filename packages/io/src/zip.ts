/**
 * ZipArchive: a bounded reader for the zip archives torch checkpoints and `.npz` files come in.
 *
 * fflate's `unzipSync` trusts the archive: it loops over whatever entry count the end record declares (a damaged
 * zip64 count of 0xffffffff never ends), allocates each entry's declared size before inflating, and inflates every
 * entry even when a `filter` would drop it later. So the central directory is parsed here, every field checked
 * against the file before use (APPNOTE.TXT 4.3: end record, zip64 end record and locator, central headers, local
 * headers, the zip64 extra field), and an entry is only located and inflated when asked for by name. Inflating
 * (method 8) still goes through fflate, in chunks, stopping as soon as the output passes the declared size.
 *
 * Stored entries (method 0, which is how torch.save writes) come back as views of the input: no copy.
 */

import { Inflate } from 'fflate';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated (the only two accepted). */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** Where the entry's (compressed) data starts: after the local header, its name and its extra field. */
  dataOffset: number;
}

export interface ZipLimits {
  /**
   * Most bytes the deflated entries of one archive may inflate to, in total (default 1 GiB). Stored entries are
   * views of the input and do not count.
   */
  maxInflatedBytes?: number;
}

export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30;

// DEFLATE cannot expand beyond about 1032:1 (a 258-byte match coded in 2 bits); a larger declared size is a lie.
const MAX_DEFLATE_RATIO = 1032;
const INFLATE_CHUNK = 64 * 1024;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();
  private inflated = 0;
  private readonly maxInflated: number;

  private constructor(
    private readonly bytes: Uint8Array,
    /** Prefix for error messages, e.g. `'torch: model.pt'`. */
    private readonly label: string,
    entries: ZipEntry[],
    limits: ZipLimits,
  ) {
    for (const e of entries) {
      // Two entries of one name make "which one is data.pkl?" ambiguous; a writer never produces that.
      if (this.byName.has(e.name)) this.damaged(`two entries are named '${e.name}'`);
      this.byName.set(e.name, e);
    }
    this.maxInflated = limits.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  }

  /** Parses and checks the central directory (no entry data is read). */
  static open(bytes: Uint8Array, label: string, limits: ZipLimits = {}): ZipArchive {
    return new ZipArchive(bytes, label, readCentralDirectory(bytes, label), limits);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** The entry's bytes; undefined when there is no such entry. */
  read(name: string): Uint8Array | undefined {
    const e = this.byName.get(name);
    if (!e) return undefined;
    const raw = this.bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    if (e.method === 0) return raw;
    if (this.inflated + e.size > this.maxInflated) {
      throw new Error(
        `${this.label}: entry '${name}' inflates to ${e.size} bytes, which would take the archive past the ` +
          `${this.maxInflated}-byte limit on inflated data (option maxInflatedBytes)`,
      );
    }
    this.inflated += e.size;
    return this.inflate(e, raw);
  }

  private inflate(e: ZipEntry, raw: Uint8Array): Uint8Array {
    const out = new Uint8Array(e.size);
    let filled = 0;
    let ended = false;
    const inflater = new Inflate((chunk: Uint8Array, final: boolean) => {
      if (filled + chunk.length > out.length) {
        this.damaged(`entry '${e.name}' inflates to more than its declared ${e.size} bytes`);
      }
      out.set(chunk, filled);
      filled += chunk.length;
      if (final) ended = true;
    });
    try {
      // In chunks, so a bomb that lies about its size is stopped within one chunk's worth of output.
      let i = 0;
      do {
        const end = Math.min(raw.length, i + INFLATE_CHUNK);
        inflater.push(raw.subarray(i, end), end === raw.length);
        i = end;
      } while (i < raw.length);
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith(this.label)) throw err;
      this.damaged(`entry '${e.name}' is not valid deflate data (${message})`);
    }
    if (!ended || filled !== e.size) {
      this.damaged(`entry '${e.name}' inflates to ${filled} bytes, but the directory declares ${e.size}`);
    }
    return out;
  }

  private damaged(what: string): never {
    throw new Error(`${this.label}: the zip archive is damaged or truncated: ${what}`);
  }
}

function readCentralDirectory(bytes: Uint8Array, label: string): ZipEntry[] {
  const damaged = (what: string): never => {
    throw new Error(`${label}: the zip archive is damaged or truncated: ${what}`);
  };
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number, what: string): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) damaged(`${what} is ${v}`);
    return Number(v);
  };

  // The end record sits in the last 22 + 65535 (comment) bytes; search backwards for its signature.
  let end = -1;
  for (let at = n - 22; at >= 0 && at >= n - 22 - 0xffff; at--) {
    if (u32(at) === SIG_END && at + 22 + u16(at + 20) <= n) {
      end = at;
      break;
    }
  }
  if (end < 0) damaged(`no end-of-central-directory record in the last ${Math.min(n, 22 + 0xffff)} bytes`);

  let count = u16(end + 10);
  let cdSize = u32(end + 12);
  let cdOffset = u32(end + 16);
  let cdLimit = end; // the central directory must end before the end record(s)
  if (end >= 20 && u32(end - 20) === SIG_LOCATOR64) {
    const at = u64(end - 12, 'the zip64 end record offset');
    if (at + 56 > end - 20 || u32(at) !== SIG_END64) damaged(`the zip64 locator points at offset ${at}, where there is no zip64 end record`);
    count = u64(at + 32, 'the zip64 entry count');
    cdSize = u64(at + 40, 'the zip64 central directory size');
    cdOffset = u64(at + 48, 'the zip64 central directory offset');
    cdLimit = at;
  }
  if (cdOffset + cdSize > cdLimit) {
    damaged(`the central directory (${cdSize} bytes at offset ${cdOffset}) runs past offset ${cdLimit}, where the end record starts`);
  }
  if (count * 46 > cdSize) {
    damaged(`the end record declares ${count} entries, but a ${cdSize}-byte central directory holds at most ${Math.floor(cdSize / 46)}`);
  }

  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdEnd || u32(at) !== SIG_CENTRAL) damaged(`central directory entry ${i} at offset ${at} is missing or cut short`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localHeaderOffset = u32(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > cdEnd) damaged(`central directory entry ${i} at offset ${at} runs past the directory's end`);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);

    // zip64 extra field (id 1): 64-bit values for exactly those fields that hold 0xffffffff, in this order.
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let x = at + 46 + nameLength;
      const xEnd = x + extraLength;
      let found = false;
      while (x + 4 <= xEnd) {
        const id = u16(x);
        const len = u16(x + 2);
        if (x + 4 + len > xEnd) break;
        if (id === 1) {
          let f = x + 4;
          const take = (what: string): number => {
            if (f + 8 > x + 4 + len) damaged(`entry '${name}': its zip64 extra field lacks the ${what}`);
            const v = u64(f, `entry '${name}' ${what}`);
            f += 8;
            return v;
          };
          if (size === 0xffffffff) size = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('local header offset');
          found = true;
          break;
        }
        x += 4 + len;
      }
      if (!found) damaged(`entry '${name}' has 32-bit fields set to 0xffffffff but no zip64 extra field`);
    }

    if (flags & 1) damaged(`entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8) damaged(`entry '${name}' uses compression method ${method} (only stored and deflate are supported)`);
    const lh = localHeaderOffset;
    if (lh + 30 > cdOffset || u32(lh) !== SIG_LOCAL) damaged(`entry '${name}': no local header at offset ${lh}`);
    const dataOffset = lh + 30 + u16(lh + 26) + u16(lh + 28);
    if (dataOffset + compressedSize > cdOffset) {
      damaged(`entry '${name}': ${compressedSize} bytes of data at offset ${dataOffset} run into the central directory at offset ${cdOffset}`);
    }
    if (method === 0 && size !== compressedSize) {
      damaged(`entry '${name}' is stored (not compressed) but declares ${size} bytes with ${compressedSize} stored`);
    }
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      damaged(`entry '${name}' declares ${size} bytes from ${compressedSize} compressed bytes, beyond what deflate can expand to`);
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset, dataOffset });
    at = next;
  }
  // Entries sharing bytes are how "overlapping" zip bombs make a small file hold many copies of one large entry;
  // no writer produces them.
  const spans = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    if (spans[i].localHeaderOffset < prev.dataOffset + prev.compressedSize) {
      damaged(`entries '${prev.name}' and '${spans[i].name}' overlap (at offset ${spans[i].localHeaderOffset})`);
    }
  }
  return entries;
}

/**
 * NumPy `.npy` (read and write) and `.npz` (read and write): latent codes (W / W+), projections, directions.
 *
 * `.npy` layout (numpy/lib/format.py, "Format Version 1.0" and later):
 *   "\x93NUMPY", major, minor;
 *   header length: u16 LE in version 1, u32 LE in versions 2 and 3;
 *   header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and
 *           ending in '\n' so the data starts on a 64-byte boundary (latin-1 text in v1/v2, UTF-8 in v3);
 *   data: the raw array bytes.
 * `.npz` is a zip archive of `<name>.npy` members, stored or deflated (`np.savez` / `np.savez_compressed`).
 */

import {
  dtypeByteSize,
  hostDataBytes,
  hostDataFromBytes,
  numel,
  type DType,
  type HostTensor,
} from './host-tensor.js';
import { ZipArchive, type ZipLimits } from './zip.js';
import { zipSync } from 'fflate';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** numpy type codes (without the byte-order character) → our dtypes. */
const TYPE_CODES: Record<string, DType> = {
  f2: 'f16',
  f4: 'f32',
  f8: 'f64',
  i1: 'i8',
  i2: 'i16',
  i4: 'i32',
  i8: 'i64',
  u1: 'u8',
  u2: 'u16',
  u4: 'u32',
  u8: 'u64',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  f16: '<f2',
  f32: '<f4',
  f64: '<f8',
  i8: '|i1',
  i16: '<i2',
  i32: '<i4',
  i64: '<i8',
  u8: '|u1',
  u16: '<u2',
  u32: '<u4',
  u64: '<u8',
  bool: '|b1',
};

export function readNpy(bytes: Uint8Array, name = '.npy'): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`npy: ${name} does not start with the \\x93NUMPY magic string; not an .npy file`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`npy: ${name} is truncated inside its header length`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new Error(`npy: ${name} has format version ${major}.${bytes[7]}; only versions 1, 2 and 3 are known`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new Error(`npy: ${name} header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  }
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText, name);

  if (header.fortranOrder) {
    throw new Error(
      `npy: ${name} is stored in Fortran (column-major) order, which is not supported; ` +
        'save it with np.save(path, np.ascontiguousarray(a)) instead',
    );
  }
  const { dtype, bigEndian } = parseNumpyDescr(header.descr, name);
  const count = numel(header.shape);
  const needed = count * dtypeByteSize(dtype);
  if (bytes.length - dataStart < needed) {
    throw new Error(
      `npy: ${name} is truncated: ${dtype} [${header.shape.join(', ')}] needs ${needed} data bytes, ` +
        `${bytes.length - dataStart} present`,
    );
  }
  let source = bytes;
  let offset = dataStart;
  if (bigEndian) {
    source = byteSwapped(bytes.subarray(dataStart, dataStart + needed), dtypeByteSize(dtype));
    offset = 0;
  }
  return { dtype, shape: header.shape, data: hostDataFromBytes(dtype, source, offset, count) };
}

/** Serialise to `.npy` (version 1 unless the header needs more than 65535 bytes), C order, little-endian. */
export function writeNpy(t: HostTensor): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new Error(`npy: cannot write dtype ${t.dtype} (numpy has no ${t.dtype} type)`);
  if (t.data.length !== numel(t.shape)) {
    throw new Error(`npy: shape [${t.shape.join(', ')}] needs ${numel(t.shape)} elements, data has ${t.data.length}`);
  }
  // A Python tuple literal: (), (7,), (2, 3).
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so magic + length + header (ending in '\n') is a multiple of 64, as numpy does. Version 1
  // stores the header length in 16 bits; only a huge shape tuple needs version 2's 32 bits.
  const paddedEnd = (prefixLength: number) => Math.ceil((prefixLength + dict.length + 1) / 64) * 64;
  const version = paddedEnd(10) - 10 > 0xffff ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  const total = paddedEnd(prefix);
  const headerText = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const data = hostDataBytes(t.data);
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  for (let i = 0; i < headerText.length; i++) out[prefix + i] = headerText.charCodeAt(i);
  out.set(data, total);
  return out;
}

/**
 * Serialise arrays to `.npz` as `np.savez` writes it: a zip of `<name>.npy` members, stored (not deflated).
 * NVIDIA's projector writes `projected_w.npz` this way, with one array `w`.
 */
export function writeNpz(arrays: ReadonlyMap<string, HostTensor> | Record<string, HostTensor>): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, t] of entries) files[`${name}.npy`] = [writeNpy(t), { level: 0 }];
  return zipSync(files);
}

export interface ReadNpzOptions extends ZipLimits {
  /** The file's name or path, for error messages (default 'npz'). */
  name?: string;
}

/**
 * Read every `<name>.npy` member of an `.npz` archive; the map keys drop the `.npy` suffix, as `np.load` does.
 * Deflated members (`np.savez_compressed`) may inflate to `maxInflatedBytes` in total (default 1 GiB).
 */
export function readNpz(bytes: Uint8Array, options: ReadNpzOptions = {}): Map<string, HostTensor> {
  const label = options.name ? `npz: ${options.name}` : 'npz';
  const zip = ZipArchive.open(bytes, label, options);
  const out = new Map<string, HostTensor>();
  for (const member of zip.names) {
    if (member.endsWith('/')) continue; // directory entries
    const key = member.endsWith('.npy') ? member.slice(0, -4) : member;
    out.set(key, readNpy(zip.read(member)!, `${options.name ? `${options.name} ` : ''}npz member '${member}'`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Header parsing: the header is a Python literal, so a tiny parser for the few forms numpy writes is enough
// (strings, True/False, integers, tuples). Anything else is refused; nothing is evaluated.
// ---------------------------------------------------------------------------------------------------------------

interface NpyHeader {
  descr: unknown;
  fortranOrder: boolean;
  shape: number[];
}

type Literal = string | number | boolean | Literal[] | Map<string, Literal>;

/** A header is a dict holding a shape tuple: depth 2. Deeper nesting only serves to exhaust the parser's stack. */
const MAX_HEADER_DEPTH = 16;
const TOKEN = /(True|False|-?\d+)L?/y;

function parseHeader(text: string, name: string): NpyHeader {
  let pos = 0;
  let depth = 0;
  const fail = (what: string): never => {
    const shown = text.trim();
    throw new Error(
      `npy: ${name} has a malformed header (${what} at character ${pos}): ${JSON.stringify(shown.slice(0, 200))}${shown.length > 200 ? '…' : ''}`,
    );
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const value = (): Literal => {
    skip();
    const c = text[pos];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, pos + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    if (c === '(' || c === '[' || c === '{') {
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      if (++depth > MAX_HEADER_DEPTH) fail(`brackets nested more than ${MAX_HEADER_DEPTH} deep`);
      pos++;
      const items: Literal[] = [];
      const dict = new Map<string, Literal>();
      for (;;) {
        skip();
        if (text[pos] === close) {
          pos++;
          break;
        }
        const item = value();
        skip();
        if (c === '{') {
          if (text[pos] !== ':') fail("expected ':'");
          pos++;
          if (typeof item !== 'string') fail('non-string key');
          dict.set(item as string, value());
          skip();
        } else {
          items.push(item);
        }
        if (text[pos] === ',') pos++;
        else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
      }
      depth--;
      return c === '{' ? dict : items;
    }
    // Sticky, so matching does not copy the rest of the header for every token.
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) return fail('unexpected token');
    pos += m[0].length;
    return m[1] === 'True' ? true : m[1] === 'False' ? false : Number(m[1]);
  };

  const dict = value();
  if (!(dict instanceof Map)) return fail('header is not a dict');
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (descr === undefined) fail("missing 'descr'");
  if (typeof fortran !== 'boolean') fail("missing or non-boolean 'fortran_order'");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    fail("missing or bad 'shape'");
  }
  return { descr, fortranOrder: fortran as boolean, shape: shape as number[] };
}

export function parseNumpyDescr(descr: unknown, name: string): { dtype: DType; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new Error(`npy: ${name} holds a structured array (descr ${JSON.stringify(descr)}); only plain numeric arrays are supported`);
  }
  const order = descr[0];
  const code = '<>|='.includes(order) ? descr.slice(1) : descr;
  const dtype = TYPE_CODES[code];
  if (!dtype) {
    throw new Error(
      `npy: ${name} has dtype '${descr}', which is not supported (numeric types only: ${Object.keys(TYPE_CODES).join(', ')})`,
    );
  }
  return { dtype, bigEndian: order === '>' && dtypeByteSize(dtype) > 1 };
}

export function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  }
  return out;
}

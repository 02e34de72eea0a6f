/**
 * safetensors: read and write the Hugging Face tensor container.
 *
 * Layout (https://github.com/huggingface/safetensors, "Format"):
 *   bytes 0..8        N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N      a UTF-8 JSON object: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *                     "__metadata__": { "<string>": "<string>" } (optional) }, padded at the end with spaces
 *   bytes 8+N..       the data buffer; each tensor's little-endian C-order bytes sit at [begin, end) relative to it
 *
 * The reader checks everything a damaged or hostile file could get wrong (lengths, offsets, overlaps, dtypes) and
 * says which part or which tensor is at fault, because "RangeError: offset out of bounds" helps nobody.
 */

import { dtypeByteSize, hostDataBytes, hostDataFromBytes, numel, type DType, type HostTensor } from './host-tensor.js';

const CODE_TO_DTYPE: Record<string, DType> = {
  F64: 'f64',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  U64: 'u64',
  I32: 'i32',
  U32: 'u32',
  I16: 'i16',
  U16: 'u16',
  I8: 'i8',
  U8: 'u8',
  BOOL: 'bool',
};
const DTYPE_TO_CODE = Object.fromEntries(Object.entries(CODE_TO_DTYPE).map(([code, dt]) => [dt, code])) as Record<
  DType,
  string
>;

export interface SafetensorsFile {
  /** Tensors in header order. */
  tensors: Map<string, HostTensor>;
  /** The `__metadata__` string map (empty if absent). */
  metadata: Record<string, string>;
}

// The reference implementation refuses headers above 100 MB; a larger length is a corrupt or hostile file, and
// refusing early avoids decoding a huge string.
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** `name` (the file's name or path), when given, starts every error message. */
export function readSafetensors(bytes: Uint8Array, name?: string): SafetensorsFile {
  if (!name) return read(bytes);
  try {
    return read(bytes);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
  }
}

function read(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new Error(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new Error(
      `safetensors: header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes follow it); ` +
        'the file is truncated or not safetensors',
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`safetensors: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`safetensors: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error('safetensors: header must be a JSON object');
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const ranges: Array<{ name: string; dtype: DType; shape: number[]; begin: number; end: number }> = [];

  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry);
      continue;
    }
    const { dtype, shape, begin, end } = parseEntry(shortName(name), entry);
    const expectedBytes = numel(shape) * dtypeByteSize(dtype);
    if (end - begin !== expectedBytes) {
      throw new Error(
        `safetensors: tensor '${shortName(name)}' has data_offsets [${begin}, ${end}] (${end - begin} bytes) but ` +
          `${dtype} [${shape.join(', ')}] needs ${expectedBytes} bytes`,
      );
    }
    if (end > dataLength) {
      throw new Error(
        `safetensors: tensor '${shortName(name)}' data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes); ` +
          'the file is truncated',
      );
    }
    ranges.push({ name, dtype, shape, begin, end });
  }

  // Two tensors must never share bytes: a writer bug or a crafted file could otherwise alias weights silently (and
  // a thousand entries naming the same megabyte would cost a gigabyte of copies). Checked before copying anything.
  // Empty tensors occupy no bytes and may sit anywhere.
  const filled = ranges.filter((r) => r.end > r.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < filled.length; i++) {
    const prev = filled[i - 1];
    const cur = filled[i];
    if (cur.begin < prev.end) {
      throw new Error(
        `safetensors: tensors '${shortName(prev.name)}' [${prev.begin}, ${prev.end}] and '${shortName(cur.name)}' [${cur.begin}, ${cur.end}] overlap`,
      );
    }
  }
  const tensors = new Map<string, HostTensor>();
  for (const { name, dtype, shape, begin } of ranges) {
    tensors.set(name, { dtype, shape, data: hostDataFromBytes(dtype, bytes, dataStart + begin, numel(shape)) });
  }
  return { tensors, metadata };
}

/** Tensor names come from the file and may be megabytes long; messages show the start. */
function shortName(name: string): string {
  return name.length > 200 ? `${name.slice(0, 200)}…` : name;
}

function brief(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function parseMetadata(entry: unknown): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new Error('safetensors: __metadata__ must be an object of strings');
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new Error(`safetensors: __metadata__ value for '${k}' must be a string`);
  }
  return { ...(entry as Record<string, string>) };
}

function parseEntry(name: string, entry: unknown): { dtype: DType; shape: number[]; begin: number; end: number } {
  if (typeof entry !== 'object' || entry === null) {
    throw new Error(`safetensors: header entry for tensor '${name}' is not an object`);
  }
  const { dtype: code, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof code !== 'string') throw new Error(`safetensors: tensor '${name}' has no dtype`);
  const dtype = CODE_TO_DTYPE[code];
  if (!dtype) {
    throw new Error(
      `safetensors: tensor '${name}' has unknown or unsupported dtype '${shortName(code)}' ` +
        `(supported: ${Object.keys(CODE_TO_DTYPE).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`safetensors: tensor '${name}' has a bad shape ${brief(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw new Error(`safetensors: tensor '${name}' has bad data_offsets ${brief(offsets)}`);
  }
  return { dtype, shape: shape as number[], begin: offsets[0], end: offsets[1] };
}

/**
 * Serialise tensors to safetensors bytes. Tensors are laid out largest element size first, then by name, as the
 * reference writer does, so every tensor's data starts aligned to its element size (the header is padded to 8).
 */
export function writeSafetensors(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error("safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (t.data.length !== numel(t.shape)) {
      throw new Error(
        `safetensors: tensor '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} elements`,
      );
    }
  }
  entries.sort(([na, a], [nb, b]) => dtypeByteSize(b.dtype) - dtypeByteSize(a.dtype) || (na < nb ? -1 : na > nb ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const size = t.data.byteLength;
    header[name] = { dtype: DTYPE_TO_CODE[t.dtype], shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded); // spaces: still valid JSON whitespace
  let at = 8 + padded;
  for (const [, t] of entries) {
    out.set(hostDataBytes(t.data), at);
    at += t.data.byteLength;
  }
  return out;
}

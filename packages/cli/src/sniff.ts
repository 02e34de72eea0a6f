/**
 * What a file actually holds, from its first bytes — so a PNG renamed to .pkl is reported as
 * "a PNG image" rather than as a pickle the parser could not make sense of.
 */
export type FileKind =
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'gzip'
  | 'zip'
  | 'pickle'
  | 'npy'
  | 'safetensors'
  | 'pdf'
  | 'html'
  | 'text'
  | 'unknown';

const NAMES: Record<FileKind, string> = {
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  gzip: 'gzip-compressed data',
  zip: 'a zip archive',
  pickle: 'a Python pickle',
  npy: 'a NumPy .npy array',
  safetensors: 'a safetensors file',
  pdf: 'a PDF document',
  html: 'an HTML page (a login or error page saved instead of the file?)',
  text: 'plain text',
  unknown: 'unrecognised binary data',
};

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

export function sniffKind(bytes: Uint8Array): FileKind {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF8'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(bytes, ascii('PK\x03\x04')) || startsWith(bytes, ascii('PK\x05\x06'))) return 'zip';
  if (startsWith(bytes, [0x93, ...ascii('NUMPY')])) return 'npy';
  if (startsWith(bytes, ascii('%PDF'))) return 'pdf';
  // Pickle protocol 2+ opens with PROTO n; torch's legacy format is a pickle too.
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'pickle';
  if (bytes.length >= 10) {
    // safetensors: a little-endian u64 header length, then a JSON object.
    const len = bytes[0] + bytes[1] * 2 ** 8 + bytes[2] * 2 ** 16 + bytes[3] * 2 ** 24;
    if (bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0x7b && len > 1) return 'safetensors';
  }
  const head = bytes.subarray(0, 512);
  if (head.length > 0 && head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127))) {
    const text = new TextDecoder().decode(head).trimStart().toLowerCase();
    return text.startsWith('<!doctype html') || text.startsWith('<html') ? 'html' : 'text';
  }
  return 'unknown';
}

export function describeKind(kind: FileKind): string {
  return NAMES[kind];
}

/** Kinds that are never a model checkpoint, whatever the file is called. */
export function isNeverACheckpoint(kind: FileKind): boolean {
  return ['png', 'jpeg', 'gif', 'webp', 'gzip', 'npy', 'pdf', 'html', 'text'].includes(kind);
}

// Gunzip with a ceiling on the output size.
//
// A gzip file's trailer states the uncompressed size, and one-shot decoders (fflate's gunzipSync)
// allocate that much up front: a damaged or hostile vocabulary file can claim 4 GB and get it. The
// streaming decoder grows its output as data arrives; feeding it small slices and counting the
// output lets us stop a decompression bomb long before it exhausts memory.

import { Gunzip } from 'fflate';

/**
 * Input slice per push. Deflate expands at most ~1032×, so one push yields at most ~66 MB before the count is
 * checked; smaller slices cost time (16 KiB slices took 5× longer than 64 KiB on a cold start).
 */
const PUSH_BYTES = 64 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses `bytes` (one or more gzip members), throwing once the output passes `maxBytes`.
 * Errors are plain `Error`s naming `source`.
 */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number, source: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let overflow = false;
  const stream = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxBytes) overflow = true;
    else chunks.push(chunk);
  });
  const tooBig = () =>
    new Error(`${source}: decompresses to more than ${formatBytes(maxBytes)}, far more than a BPE vocabulary needs; refusing it (a damaged or hostile gzip file)`);
  try {
    for (let at = 0; at < bytes.length; at += PUSH_BYTES) {
      const end = Math.min(at + PUSH_BYTES, bytes.length);
      stream.push(bytes.subarray(at, end), end === bytes.length);
      if (overflow) throw tooBig();
    }
  } catch (error) {
    if (overflow) throw tooBig();
    throw new Error(`${source}: looks like gzip but could not be decompressed (${describe(error)})`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(0)} MiB` : `${n} bytes`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

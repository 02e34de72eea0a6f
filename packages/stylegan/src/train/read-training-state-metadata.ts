/**
 * A training-state file's metadata (network configs, training options, counters, run metadata) read from its
 * safetensors header alone (Node): what a caller needs before a resumed run starts — e.g. the run's seed, which
 * also seeds the data order (`stylegpu train` opens its data source with it) — without reading the tensors,
 * which can be hundreds of MB. The header is the file's first 8 + N bytes (N little-endian in the first 8).
 */
import { open } from 'node:fs/promises';
import { type TrainingStateMetadata, parseTrainingStateMetadata } from './training-state.js';

// safetensors' own limit on the header (the reference implementation's 100 MB).
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export async function readTrainingStateMetadata(path: string): Promise<TrainingStateMetadata> {
  const file = await open(path, 'r').catch((e: Error) => {
    throw new Error(`train: cannot read --resume ${path} (${e.message})`);
  });
  try {
    const { size } = await file.stat();
    const fail = (why: string): never => {
      throw new Error(`${path}: not a safetensors file (${why})`);
    };
    if (size < 8) fail(`file is ${size} bytes, too short for the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    await file.read(lengthBytes, 0, 8, 0);
    const n = lengthBytes.readBigUInt64LE(0);
    if (n > BigInt(size - 8)) fail(`header length ${n} runs past the end of the file (${size - 8} bytes follow it)`);
    if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    const header = Buffer.alloc(Number(n));
    await file.read(header, 0, header.length, 8);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(header));
    } catch (e) {
      return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('header must be a JSON object');
    const metadata = (json as { __metadata__?: Record<string, string> }).__metadata__ ?? {};
    return parseTrainingStateMetadata(metadata, path);
  } finally {
    await file.close();
  }
}

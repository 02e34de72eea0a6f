/** What a file holds, from its first bytes, whatever its name says. */
import { describe, expect, it } from 'vitest';
import { encodeJpeg, encodePng, writeNpy, writeSafetensors } from '@stylegpu/io';
import { gzipSync } from 'node:zlib';
import { sniffKind } from '../src/sniff.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sniffKind', () => {
  it('tells images, archives, arrays, pickles and text apart', () => {
    const img = { width: 2, height: 2, channels: 3 as const, data: new Uint8Array(12) };
    expect(sniffKind(encodePng(img))).toBe('png');
    expect(sniffKind(encodeJpeg(img))).toBe('jpeg');
    expect(sniffKind(gzipSync(enc('bpe')))).toBe('gzip');
    expect(sniffKind(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0))).toBe('zip');
    expect(sniffKind(writeNpy({ dtype: 'f32', shape: [2], data: new Float32Array(2) }))).toBe('npy');
    expect(sniffKind(writeSafetensors(new Map([['w', { dtype: 'f32', shape: [1], data: new Float32Array(1) }]])))).toBe('safetensors');
    expect(sniffKind(Uint8Array.of(0x80, 0x02, 0x7d, 0x71))).toBe('pickle');
    expect(sniffKind(enc('these are notes\nline two\n'))).toBe('text');
    expect(sniffKind(enc('<!DOCTYPE html><html>Sign in</html>'))).toBe('html');
    expect(sniffKind(Uint8Array.of(0, 1, 2, 250, 251))).toBe('unknown');
    expect(sniffKind(new Uint8Array(0))).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import { allocHostData, numberToFloat16Bits, type DType, type HostTensor } from '../src/host-tensor.js';
import { readSafetensors, writeSafetensors } from '../src/safetensors.js';
import { expectTensor, expected, fixture, truncations } from './helpers.js';
import { mulberry32 } from '../src/testing/seeded-random.js';

function header(json: object, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function randomTensor(dtype: DType, shape: number[], next: () => number): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocHostData(dtype, n);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (dtype === 'i64') (data as BigInt64Array)[i] = BigInt(Math.floor((r - 0.5) * 2 ** 52)) * 1000n;
    else if (dtype === 'f16' || dtype === 'bf16') (data as Uint16Array)[i] = numberToFloat16Bits((r - 0.5) * 100);
    else if (dtype === 'bool') (data as Uint8Array)[i] = r < 0.5 ? 0 : 1;
    else if (dtype === 'u8') (data as Uint8Array)[i] = Math.floor(r * 256);
    else if (dtype === 'i32') (data as Int32Array)[i] = Math.floor((r - 0.5) * 2 ** 32);
    else (data as Float32Array | Float64Array)[i] = (r - 0.5) * 1e3;
  }
  return { dtype, shape, data };
}

describe('safetensors', () => {
  it('reads the hand-written fixture: metadata, dtypes, shapes and every value', () => {
    const file = readSafetensors(fixture('tensors.safetensors'));
    expect(file.metadata).toEqual(expected.safetensors.metadata);
    const names = Object.keys(expected.safetensors.tensors);
    expect([...file.tensors.keys()].sort()).toEqual(names.sort());
    for (const name of names) expectTensor(file.tensors.get(name), expected.safetensors.tensors[name], name);
  });

  it('round-trips random tensors of odd shapes and all dtypes, with aligned data', () => {
    const next = mulberry32(7);
    const tensors = new Map<string, HostTensor>([
      ['a.f32', randomTensor('f32', [3, 5, 7], next)],
      ['b.f64', randomTensor('f64', [1, 13], next)],
      ['c.f16', randomTensor('f16', [11], next)],
      ['d.bf16', randomTensor('bf16', [2, 3, 1], next)],
      ['e.i64', randomTensor('i64', [5, 1], next)],
      ['f.i32', randomTensor('i32', [9], next)],
      ['g.u8', randomTensor('u8', [3, 3, 3], next)],
      ['h.bool', randomTensor('bool', [7], next)],
      ['scalar', randomTensor('f32', [], next)],
      ['empty', randomTensor('f32', [0, 4], next)],
    ]);
    const bytes = writeSafetensors(tensors, { note: 'odd shapes' });
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ note: 'odd shapes' });
    expect(back.tensors.size).toBe(tensors.size);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      expect({ name, dtype: r.dtype, shape: r.shape }).toEqual({ name, dtype: t.dtype, shape: t.shape });
      expect(r.data, name).toEqual(t.data);
    }
    // Header padded with spaces to 8 bytes, and each tensor starts on a multiple of its element size.
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd().length).toBeLessThanOrEqual(n);
    for (const [name, t] of tensors) {
      const size = t.data.BYTES_PER_ELEMENT;
      expect((8 + n + json[name].data_offsets[0]) % size, name).toBe(0);
    }
  });

  it('rewrites the Python-written fixture to an equivalent file', () => {
    const a = readSafetensors(fixture('tensors.safetensors'));
    const b = readSafetensors(writeSafetensors(a.tensors, a.metadata));
    expect(b.metadata).toEqual(a.metadata);
    for (const [name, t] of a.tensors) expect(b.tensors.get(name)).toEqual(t);
  });

  it('refuses truncated files at every part, naming the part', () => {
    const bytes = fixture('tensors.safetensors');
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    for (const [cut, part] of truncations(bytes, [0, 3, 7])) {
      expect(() => readSafetensors(part), `cut ${cut}`).toThrow(/too short for the 8-byte header length/);
    }
    for (const [cut, part] of truncations(bytes, [8, 9, 8 + Math.floor(n / 2), 8 + n - 1])) {
      expect(() => readSafetensors(part), `cut ${cut}`).toThrow(/header length \d+ runs past the end/);
    }
    for (const [cut, part] of truncations(bytes, [8 + n + 1, -9, -1])) {
      expect(() => readSafetensors(part), `cut ${cut}`).toThrow(/tensor '.+' data_offsets .* run past the data section/);
    }
  });

  it('refuses a header length far past the end', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expect(() => readSafetensors(bytes)).toThrow(/header length 18446744073709551615 runs past the end/);
  });

  it('refuses unknown dtypes, naming the tensor and the dtype', () => {
    const bytes = header({ weight: { dtype: 'F7', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => readSafetensors(bytes)).toThrow(/tensor 'weight' has unknown or unsupported dtype 'F7'/);
  });

  it('refuses offsets that disagree with the shape, overlap, or are malformed', () => {
    const data = new Uint8Array(16);
    expect(() => readSafetensors(header({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(
      /tensor 'w' has data_offsets \[0, 8\] \(8 bytes\) but f32 \[3\] needs 12 bytes/,
    );
    const overlapping = header(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      data,
    );
    expect(() => readSafetensors(overlapping)).toThrow(/tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/);
    expect(() => readSafetensors(header({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, data))).toThrow(
      /tensor 'w' has bad data_offsets \[8,4\]/,
    );
    expect(() => readSafetensors(header({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, data))).toThrow(
      /tensor 'w' has a bad shape \[-1\]/,
    );
    expect(() => readSafetensors(header({ __metadata__: { a: 1 } }))).toThrow(/__metadata__ value for 'a' must be a string/);
  });

  it('refuses a header that is not JSON', () => {
    const bytes = new Uint8Array(8 + 4);
    new DataView(bytes.buffer).setBigUint64(0, 4n, true);
    bytes.set([0x7b, 0x7b, 0x20, 0x20], 8);
    expect(() => readSafetensors(bytes)).toThrow(/header is not valid UTF-8 JSON/);
  });

  it('says which field is missing instead of printing undefined (found by the fuzzer)', () => {
    expect(() => readSafetensors(header({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), 'model.safetensors')).toThrow(
      "model.safetensors: safetensors: tensor 'w' has bad data_offsets (missing)",
    );
    expect(() => readSafetensors(header({ w: { dtype: 'F32', data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(
      "safetensors: tensor 'w' has a bad shape (missing)",
    );
  });

  it('refuses 10 000 entries aliasing one megabyte before copying any of them', () => {
    const entries: Record<string, object> = {};
    for (let i = 0; i < 10_000; i++) entries[`t${i}`] = { dtype: 'F32', shape: [1 << 18], data_offsets: [0, 1 << 20] };
    // Copying first (as the reader used to) would have made 10 GB of copies before the overlap check.
    expect(() => readSafetensors(header(entries, new Uint8Array(1 << 20)))).toThrow(/tensors 't\d+' \[0, 1048576\] and 't\d+' \[0, 1048576\] overlap/);
  });

  it('shortens megabyte-long tensor names in messages', () => {
    const name = 'n'.repeat(1 << 20);
    let message = '';
    try {
      readSafetensors(header({ [name]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^safetensors: tensor 'n{200}…' has data_offsets \[0, 4\]/);
    expect(message.length).toBeLessThan(400);
  });
});

describe('Node Buffers as input', () => {
  it('reads tensors from a pooled Buffer (whose slice is a view, not a copy)', async () => {
    const { writeSafetensors: write, readSafetensors: read } = await import('../src/safetensors.js');
    const values = Float32Array.from([1.5, -2.25, 3.125, 4]);
    const bytes = write(new Map([['x', { dtype: 'f32' as const, shape: [4], data: values }]]));
    // A Buffer carved out of a larger pool, at an offset, as readFileSync often returns.
    const pool = Buffer.alloc(bytes.length + 13);
    pool.set(bytes, 13);
    const buf = pool.subarray(13);
    expect(buf.byteOffset).toBe(13);
    expect(Array.from(read(buf).tensors.get('x')!.data as Float32Array)).toEqual(Array.from(values));
  });
});

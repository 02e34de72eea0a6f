import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { toFloat32, type HostTensor } from '../src/host-tensor.js';
import { readTorchCheckpoint } from '../src/torch/checkpoint.js';
import { PickledObject, pickledAttributes } from '../src/torch/pickle.js';
import { flattenStateDict } from '../src/torch/state-dict.js';
import { gatherStrided, TorchStorage, TorchTensor } from '../src/torch/storage.js';
import { NumpyDtype, PersistentModule } from '../src/torch/torch-globals.js';
import { expectTensor, expected, fixture, truncations } from './helpers.js';
import { legacyFile, PickleAsm, rebuildArgs, rebuildTensor, torchZipWithView } from './pickle-asm.js';

const checkpointFiles = [
  ['zip_checkpoint.pt', 'zip'],
  ['legacy_checkpoint.pt', 'legacy'],
] as const;

describe.each(checkpointFiles)('torch.save checkpoint %s', (file, format) => {
  const ckpt = readTorchCheckpoint(fixture(file));
  const root = ckpt.root as Map<string, unknown>;

  it(`is detected as ${format}`, () => {
    expect(ckpt.format).toBe(format);
    expect(root).toBeInstanceOf(Map);
  });

  it('gives every tensor with exact dtype, shape and values, in state_dict order', () => {
    const flat = flattenStateDict(root);
    expect([...flat.keys()]).toEqual(expected.checkpoint.keys);
    for (const key of expected.checkpoint.keys) expectTensor(flat.get(key), expected.checkpoint.tensors[key], key);
  });

  it('keeps non-tensor values and the OrderedDict of the state_dict', () => {
    const meta = root.get('meta') as Map<string, unknown>;
    expect(Object.fromEntries(meta)).toEqual(expected.checkpoint.meta);
    const model = root.get('model') as Map<string, unknown>;
    expect([...model.keys()]).toEqual(expected.checkpoint.model_keys);
    // OrderedDict's BUILD state (`_metadata`, per-module versions) is an attribute, kept apart from the items.
    const attrs = pickledAttributes(model) as Map<string, Map<string, Map<string, unknown>>>;
    expect(attrs.get('_metadata')!.get('1')!.get('version')).toBe(2);
  });

  it('reads strided views by stride and offset, and shares storages', () => {
    const transposed = root.get('transposed') as TorchTensor;
    expect(transposed.stride).toEqual([1, 4]);
    expect(transposed.isContiguous).toBe(false);
    const slice = root.get('slice') as TorchTensor;
    expect([slice.storageOffset, ...slice.stride]).toEqual([6, 5, 1]);
    const head = root.get('shared_head') as TorchTensor;
    const matrix = root.get('shared_matrix') as TorchTensor;
    expect(head.storage).toBe(matrix.storage);
    expect(head.isContiguous && matrix.isContiguous).toBe(true);
  });

  it('converts every dtype to float32 by value', () => {
    for (const key of ['f16', 'bf16', 'f64', 'i64', 'i32', 'u8', 'bool', 'transposed']) {
      const t = root.get(key) as HostTensor;
      expect(toFloat32(t), key).toEqual(Float32Array.from(expected.checkpoint.tensors[key].values as number[]));
    }
  });
});

describe('TorchScript archive (the layout of OpenAI CLIP .pt files)', () => {
  const ckpt = readTorchCheckpoint(fixture('torchscript.pt'));

  it('reads parameters and buffers from data.pkl without running code/', () => {
    expect(ckpt.format).toBe('torchscript');
    expect(ckpt.root).toBeInstanceOf(PickledObject);
    expect((ckpt.root as PickledObject).className).toBe('__torch__.TinyScripted');
    const flat = flattenStateDict(ckpt.root);
    expect([...flat.keys()]).toEqual(expected.torchscript.keys);
    for (const key of expected.torchscript.keys) expectTensor(flat.get(key), expected.torchscript.tensors[key], key);
  });
});

describe('NVIDIA network pickle (torch_utils.persistence)', () => {
  const ckpt = readTorchCheckpoint(fixture('nvidia_network.pkl'));
  const root = ckpt.root as Map<string, unknown>;
  const G = root.get('G_ema') as PersistentModule;

  it('is a plain pickle of a dict holding persistent modules', () => {
    expect(ckpt.format).toBe('pickle');
    expect([...root.keys()]).toEqual(['G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs']);
    expect(root.get('G')).toBeNull();
    expect(G).toBeInstanceOf(PersistentModule);
    expect(G.className).toBe(expected.nvidia.class_name);
    expect(G.version).toBe(6);
    // The embedded source is kept as text; it contains a shell call that must never run.
    expect(G.moduleSource).toContain('os.system("echo this source must never be executed")');
  });

  it('exposes init args and kwargs, including numpy scalars and dtypes', () => {
    expect(G.initArgs).toEqual(expected.nvidia.init_args);
    const mappingKwargs = G.initKwargs.get('mapping_kwargs') as Map<string, unknown>;
    expect(mappingKwargs.get('num_layers')).toBe(expected.nvidia.mapping_num_layers);
    expect(mappingKwargs.get('w_avg_beta')).toBe(expected.nvidia.w_avg_beta);
    const cDtype = G.initKwargs.get('c_dtype') as NumpyDtype;
    expect([cDtype.code, cDtype.byteOrder, cDtype.resolve().dtype]).toEqual(['f4', '<', 'f32']);
    const datasetKwargs = root.get('training_set_kwargs') as Map<string, unknown>;
    expect(datasetKwargs.get('resolution')).toBe(expected.nvidia.resolution);
    expect(datasetKwargs.get('use_labels')).toBe(false);
  });

  it('flattens G_ema to the names and values of G_ema.state_dict()', () => {
    expect([...G.modules.keys()]).toEqual(['mapping', 'synthesis']);
    // A non-persistent buffer is pickled with the module but is not part of state_dict().
    const synthesis = G.modules.get('synthesis') as PersistentModule;
    expect([...synthesis.buffers.keys()]).toContain('scratch');
    const flat = flattenStateDict(G);
    expect([...flat.keys()]).toEqual(expected.nvidia.keys);
    for (const key of expected.nvidia.keys) expectTensor(flat.get(key), expected.nvidia.tensors[key], key);
    expect([...flattenStateDict(root).keys()]).toEqual(expected.nvidia.keys.map((k: string) => `G_ema.${k}`));
    expect([...flattenStateDict(G, 'G').keys()][0]).toBe(`G.${expected.nvidia.keys[0]}`);
  });
});

describe('torch checkpoint errors', () => {
  it('refuses bytes that are no checkpoint, naming what it saw', () => {
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(
      /not a recognised checkpoint .* first bytes: 01 02 03/,
    );
    expect(() => readTorchCheckpoint(new Uint8Array(0))).toThrow(/first bytes: \(empty\)/);
  });

  it('refuses truncated zip checkpoints', () => {
    const bytes = fixture('zip_checkpoint.pt');
    for (const [cut, part] of truncations(bytes, [4, 100, Math.floor(bytes.length / 2), -30, -1])) {
      expect(() => readTorchCheckpoint(part), `cut ${cut}`).toThrow(/^torch: the zip archive is damaged or truncated/);
    }
  });

  it('refuses truncated legacy checkpoints, in the pickles and in the raw storages', () => {
    const bytes = fixture('legacy_checkpoint.pt');
    for (const [cut, part] of truncations(bytes, [1, 20, 200, 1000])) {
      expect(() => readTorchCheckpoint(part), `cut ${cut}`).toThrow(/^pickle: .*truncated input/);
    }
    for (const [cut, part] of truncations(bytes, [-1, -9, -100])) {
      expect(() => readTorchCheckpoint(part), `cut ${cut}`).toThrow(/^torch: legacy checkpoint is truncated (inside|before the size of) storage/);
    }
  });

  it('refuses a legacy file with the wrong protocol version', () => {
    const bytes = fixture('legacy_checkpoint.pt').slice();
    // The second pickle is \x80\x02 M <1001 as u16> . right after the 13-byte magic-number pickle.
    const at = bytes.indexOf(0x4d, 13);
    expect([bytes[at + 1], bytes[at + 2]]).toEqual([0xe9, 0x03]);
    bytes[at + 1] = 0xea;
    expect(() => readTorchCheckpoint(bytes)).toThrow('torch: legacy checkpoint has protocol version 1002, expected 1001');
  });

  it('names a storage record missing from a zip archive, and a missing data.pkl', () => {
    const files = unzipSync(fixture('zip_checkpoint.pt'));
    delete files['archive/data/0'];
    expect(() => readTorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(
      "torch: archive/data.pkl names storage '0', but the archive has no record archive/data/0",
    );
    expect(() => readTorchCheckpoint(zipSync({ 'x/other.txt': new Uint8Array(1) }))).toThrow(/has no <archive>\/data\.pkl/);
  });

  it('refuses a storage record shorter than its declared size', () => {
    const files = unzipSync(fixture('zip_checkpoint.pt'));
    files['archive/data/0'] = files['archive/data/0'].slice(0, 5);
    expect(() => readTorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(
      /storage 'archive\/data\/0' holds 5 bytes but 6 f32 elements need 24/,
    );
  });

  it('refuses a big-endian byteorder record', () => {
    const files = unzipSync(fixture('zip_checkpoint.pt'));
    files['archive/byteorder'] = new TextEncoder().encode('big');
    expect(() => readTorchCheckpoint(zipSync(files))).toThrow(/byteorder says 'big'; only little-endian/);
  });

  it('refuses tensor views that reach past their storage', () => {
    const storage = new TorchStorage('f32', 4, 'k', 'cpu');
    expect(() => new TorchTensor(storage, 2, [3], [1])).toThrow(/storage 'k' is invalid \(reaches element 4\)/);
    expect(() => new TorchTensor(storage, 0, [2, 2], [1])).toThrow(/shape and stride lengths differ/);
    const ok = new TorchTensor(storage, 0, [2, 2], [1, 2]);
    expect(() => ok.data).toThrow("torch: storage 'k' was never loaded");
  });
});

describe('gatherStrided', () => {
  it('copies a 3-d view with a storage offset in C order', () => {
    const source = Float32Array.from({ length: 60 }, (_, i) => i);
    // shape [2, 3, 2] at offset 5, strides [30, 1, 10]: element (a, b, c) is 5 + 30a + b + 10c
    const out = gatherStrided(source, 'f32', 5, [2, 3, 2], [30, 1, 10]);
    const want: number[] = [];
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) want.push(5 + 30 * a + b + 10 * c);
    expect(Array.from(out as Float32Array)).toEqual(want);
  });
});

describe('hostile torch checkpoints: refused before anything large is allocated', () => {
  const four = new Float32Array([1, 2, 3, 4]);

  it('refuses a stride-0 view of 2^31 elements over a 4-element storage (the 496-byte file that took 8 GB)', () => {
    const file = torchZipWithView({ numel: 4, offset: 0, size: [2n ** 31n], stride: [0] }, four);
    expect(() => readTorchCheckpoint(file, { name: 'tiny.pt' })).toThrow(
      new RegExp(
        "^tiny\\.pt: torch: a tensor view of storage 'archive/data/0' \\(f32, shape \\[2147483648\\], stride \\[0\\]\\) needs 8589934592 bytes, " +
          `which takes this read past its allocation budget of ${4 * file.length + 2 ** 26} bytes \\(4 × the file's ${file.length} bytes \\+ 67108864\\)`,
      ),
    );
  });

  it('still reads an honest expanded (stride-0) view, by value, and the slack is an option', () => {
    const file = torchZipWithView({ numel: 4, offset: 1, size: [3, 2], stride: [0, 1] }, four);
    const t = readTorchCheckpoint(file).root as TorchTensor;
    expect(Array.from(toFloat32(t))).toEqual([2, 3, 2, 3, 2, 3]);
    const wide = torchZipWithView({ numel: 4, offset: 0, size: [10_000], stride: [0] }, four);
    expect(toFloat32(readTorchCheckpoint(wide).root as TorchTensor).length).toBe(10_000);
    expect(() => readTorchCheckpoint(wide, { extraAllocationBytes: 0 })).toThrow(/needs 40000 bytes, which takes this read past its allocation budget/);
  });

  it('charges every view: 10 000 views of one memoised storage pass the budget together, not alone', () => {
    const storage = new Float32Array(1000);
    const p = new PickleAsm().proto(2);
    p.global('torch._utils', '_rebuild_tensor_v2').raw(0x71, 0, 0x30); // BINPUT 0, POP
    rebuildArgs(p, { numel: 1000, offset: 0, size: [1000], stride: [1] }).raw(0x71, 1, 0x30);
    p.emptyList().mark();
    for (let i = 0; i < 10_000; i++) p.raw(0x68, 0, 0x68, 1).reduce(); // BINGET 0, BINGET 1, REDUCE
    const pkl = p.raw(0x65).stop().bytesOut(); // APPENDS
    const file = zipSync({ 'archive/data.pkl': pkl, 'archive/data/0': new Uint8Array(storage.buffer) }, { level: 0 });
    expect(file.length).toBeLessThan(70_000); // 40 MB of views from a 60 kB file
    expect((readTorchCheckpoint(file).root as unknown[]).length).toBe(10_000); // within 4 × 60 kB + 64 MiB
    expect(() => readTorchCheckpoint(file, { extraAllocationBytes: 0 })).toThrow(/needs 4000 bytes, which takes this read past its allocation budget/);
  });

  it('charges copies: one memoised string, dict or buffer turned into new values 1000 times', () => {
    // f(GET 1) 1000 times, collected in a list: memory grows by the argument's size each time.
    const repeat = (module: string, name: string, arg: (p: PickleAsm) => PickleAsm) => {
      const p = new PickleAsm().proto(2).global(module, name).raw(0x71, 0, 0x30);
      arg(p).raw(0x71, 1, 0x30).emptyList().mark();
      for (let i = 0; i < 1000; i++) p.raw(0x68, 0, 0x68, 1).reduce();
      return p.raw(0x65).stop().bytesOut();
    };
    const latin1 = repeat('_codecs', 'encode', (p) => p.str('x'.repeat(100_000)).str('latin1').raw(0x86));
    expect(() => readTorchCheckpoint(latin1, { extraAllocationBytes: 0 })).toThrow(/^torch: bytes of 100000 characters needs 100000 bytes, which takes this read past/);
    const dict = new PickleAsm().emptyDict().mark();
    for (let i = 0; i < 10_000; i++) dict.int(i).none();
    const copies = repeat('collections', 'OrderedDict', (p) => p.raw(...dict.raw(0x75, 0x85).bytesOut()));
    expect(() => readTorchCheckpoint(copies, { extraAllocationBytes: 0 })).toThrow(/collections\.OrderedDict of 10000 entries needs 640000 bytes, which takes this read past/);
    const f4 = (p: PickleAsm) => p.global('numpy', 'dtype').mark().str('f4').false().raw(0x88).tuple().reduce();
    const arrays = repeat('numpy.core.numeric', '_frombuffer', (p) => f4(p.mark().bytes(new Uint8Array(100_000))).ints([25_000]).str('C').tuple());
    expect(() => readTorchCheckpoint(arrays, { extraAllocationBytes: 0 })).toThrow(/a numpy array f32 \[25000\] needs 100000 bytes, which takes this read past/);
    // 1000 × 100 kB = 100 MB from a 100 kB file: past the default budget too.
    expect(() => readTorchCheckpoint(arrays)).toThrow(/past its allocation budget of \d+ bytes \(4 × the file's \d+ bytes \+ 67108864\)/);
  });

  it('charges nested blobs: a memoised torch.save blob loaded 10 000 times is refused', () => {
    const blob = legacyFile((p) => p.mark().str('storage').global('torch', 'FloatStorage').str('k').str('cpu').int(1000).tuple().binpersid(), [
      { key: 'k', data: new Float32Array(1000) },
    ]);
    const p = new PickleAsm().proto(2).global('torch.storage', '_load_from_bytes').raw(0x71, 0, 0x30);
    p.bytes(blob).raw(0x71, 1, 0x30).emptyList().mark();
    for (let i = 0; i < 10_000; i++) p.raw(0x68, 0, 0x68, 1, 0x85).reduce(); // BINGET 0, BINGET 1, TUPLE1, REDUCE
    const file = p.raw(0x65).stop().bytesOut();
    expect(() => readTorchCheckpoint(file)).toThrow(/^torch: a nested torch\.save blob of \d+ bytes needs \d+ bytes, which takes this read past its allocation budget/);
    const few = new PickleAsm().proto(2).global('torch.storage', '_load_from_bytes').bytes(blob).raw(0x85).reduce().stop().bytesOut();
    expect((readTorchCheckpoint(few).root as TorchStorage).numel).toBe(1000);
  });

  it.each([
    ['a negative size', { size: [-1], stride: [1], offset: 0 }, /sizes, strides and offset must be integers ≥ 0/],
    ['a negative stride', { size: [2], stride: [-1], offset: 1 }, /sizes, strides and offset must be integers ≥ 0/],
    ['a negative offset', { size: [1], stride: [1], offset: -1 }, /sizes, strides and offset must be integers ≥ 0/],
    ['an offset past the storage', { size: [1], stride: [1], offset: 2n ** 40n }, /is invalid \(reaches element 1099511627776\)/],
    ['an offset beyond 2^53', { size: [1], stride: [1], offset: 2n ** 64n }, /storage offset must be an int/],
    ['a view past the storage', { size: [2], stride: [3], offset: 1 }, /is invalid \(reaches element 4\)/],
    ['a product of sizes beyond 2^53', { size: [2 ** 30, 2 ** 30, 2 ** 30], stride: [0, 0, 0], offset: 0 }, /more than 2\^53 elements/],
  ])('refuses a tensor view with %s, naming the storage', (_what, v, message) => {
    const file = torchZipWithView({ numel: 4, ...v }, four);
    expect(() => readTorchCheckpoint(file)).toThrow(message);
    expect(() => readTorchCheckpoint(file)).toThrow(/^(torch|pickle: archive\/data\.pkl): .*'(archive\/data\/0|torch\._utils\._rebuild_tensor_v2)'/);
  });

  it('refuses a storage whose declared size its record cannot hold, before reading the record (the 4 GB request)', () => {
    const file = torchZipWithView({ numel: 2 ** 30, offset: 0, size: [4], stride: [1] }, four);
    expect(() => readTorchCheckpoint(file)).toThrow(
      "torch: storage 'archive/data/0' holds 16 bytes but 1073741824 f32 elements need 4294967296; the file is truncated or damaged",
    );
  });

  it('refuses legacy storage views with a negative or out-of-range offset (was a raw bounds error)', () => {
    const body = (view: { key: string; offset: number; size: number }) => (p: PickleAsm) =>
      rebuildTensor(p, { numel: 4, offset: 0, size: [2], stride: [1], key: 'k', view });
    const file = (offset: number, size: number) => legacyFile(body({ key: 'v', offset, size }), [{ key: 'k', data: four }]);
    expect(() => readTorchCheckpoint(file(-1, 2))).toThrow(
      "torch: legacy object pickle storage 'k' has a bad view (offset -1, size 2; both must be integers ≥ 0)",
    );
    expect(() => readTorchCheckpoint(file(3, 2))).toThrow("torch: legacy storage view 'v' covers elements [3, 5) of storage 'k', which has 4");
    expect(Array.from(toFloat32(readTorchCheckpoint(file(2, 2)).root as TorchTensor))).toEqual([3, 4]);
  });

  it('refuses a legacy storage larger than the whole file, and one never listed', () => {
    const huge = legacyFile((p) => rebuildTensor(p, { numel: 2 ** 40, offset: 0, size: [1], stride: [1], key: 'k' }), [{ key: 'k', data: four }]);
    expect(() => readTorchCheckpoint(huge)).toThrow(/legacy storage 'k' declares 1099511627776 f32 elements \(4398046511104 bytes\), more than the whole file/);
    const unlisted = legacyFile((p) => rebuildTensor(p, { numel: 4, offset: 0, size: [1], stride: [1], key: 'k' }), []);
    expect(() => readTorchCheckpoint(unlisted)).toThrow("torch: legacy storage 'k' is used by the object pickle but missing from the storage key list");
  });

  it('refuses a zip64 end record whose entry count is ff ff ff ff (readTorchCheckpoint used to hang)', () => {
    const bytes = fixture('zip_checkpoint.pt').slice();
    const at = lastIndexOfSignature(bytes, 0x06064b50);
    new DataView(bytes.buffer).setUint32(at + 32, 0xffffffff, true);
    expect(() => readTorchCheckpoint(bytes)).toThrow(
      /^torch: the zip archive is damaged or truncated: the end record declares 4294967295 entries, but a \d+-byte central directory holds at most \d+$/,
    );
  });

  it('refuses an entry that claims 4 GB, before allocating it', () => {
    const bytes = fixture('zip_checkpoint.pt').slice();
    const cd = firstIndexOfSignature(bytes, 0x02014b50);
    new DataView(bytes.buffer).setUint32(cd + 24, 0xfffffff0, true); // data.pkl's uncompressed size
    expect(() => readTorchCheckpoint(bytes)).toThrow(/entry 'archive\/data\.pkl' is stored \(not compressed\) but declares 4294967280 bytes with 1779 stored/);
  });

  it('reads only the entries it needs: junk entries are never inflated', () => {
    const files = unzipSync(fixture('zip_checkpoint.pt'));
    const withJunk = zipSync({ ...files, 'archive/junk.bin': [new Uint8Array(4 << 20), { level: 1 }] }, { level: 0 });
    // 4 MB of zeros deflate to a few kB; a limit of 1 MB on inflated bytes proves they were never inflated.
    const ckpt = readTorchCheckpoint(withJunk, { maxInflatedBytes: 1 << 20 });
    expect([...flattenStateDict(ckpt.root).keys()]).toEqual(expected.checkpoint.keys);
    // A deflated data.pkl is inflated, and counts against the limit.
    const deflated = zipSync({ ...files, 'archive/data.pkl': [files['archive/data.pkl'], { level: 9 }] }, { level: 0 });
    expect(readTorchCheckpoint(deflated).format).toBe('zip');
    expect(() => readTorchCheckpoint(deflated, { maxInflatedBytes: 1000 })).toThrow(
      "torch: entry 'archive/data.pkl' inflates to 1779 bytes, which would take the archive past the 1000-byte limit on inflated data (option maxInflatedBytes)",
    );
  });

  it('refuses a deflated entry that inflates to more than it declares', () => {
    const files = unzipSync(fixture('zip_checkpoint.pt'));
    const bytes = zipSync({ ...files, 'archive/data.pkl': [files['archive/data.pkl'], { level: 9 }] }, { level: 0 });
    const cd = firstIndexOfSignature(bytes, 0x02014b50);
    new DataView(bytes.buffer).setUint32(cd + 24, 100, true);
    expect(() => readTorchCheckpoint(bytes)).toThrow(/entry 'archive\/data\.pkl' inflates to more than its declared 100 bytes/);
  });

  it('refuses torch.storage._load_from_bytes nested 20 000 deep without exhausting the stack', () => {
    const file = nestedLoadFromBytes(20_000);
    expect(file.length).toBeGreaterThan(20_000 * 40);
    expect(() => readTorchCheckpoint(file)).toThrow(/^torch: torch\.storage\._load_from_bytes blobs are nested more than 4 deep/);
    expect(readTorchCheckpoint(nestedLoadFromBytes(4)).root).toBe(7); // the limit: 4 levels still read
  });

  it('refuses to flatten 100 000-deep nesting or an exponential DAG of shared containers', () => {
    const deep = new PickleAsm().proto(2);
    for (let i = 0; i < 100_000; i++) deep.emptyList();
    for (let i = 0; i < 100_000 - 1; i++) deep.raw(0x61); // APPEND
    const root = readTorchCheckpoint(deep.stop().bytesOut()).root; // the VM itself is iterative
    expect(() => flattenStateDict(root)).toThrow(/^torch: the checkpoint nests containers more than 1000 deep \(at '0\.0\.0/);
    // x = (x, x), 40 times: 82 bytes, 2^40 paths.
    const dag = new PickleAsm().proto(2).emptyList();
    for (let i = 0; i < 40; i++) dag.raw(0x32, 0x86); // DUP, TUPLE2
    expect(() => flattenStateDict(readTorchCheckpoint(dag.stop().bytesOut()).root)).toThrow(/visits more than 1000000 containers and tensors/);
  });
});

function firstIndexOfSignature(bytes: Uint8Array, sig: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 4 <= bytes.length; i++) if (view.getUint32(i, true) === sig) return i;
  throw new Error(`signature ${sig.toString(16)} not found`);
}

function lastIndexOfSignature(bytes: Uint8Array, sig: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = bytes.length - 4; i >= 0; i--) if (view.getUint32(i, true) === sig) return i;
  throw new Error(`signature ${sig.toString(16)} not found`);
}

/** `_load_from_bytes(_load_from_bytes(… pickle of 7 …))`, `levels` deep, assembled outside-in in one pass. */
function nestedLoadFromBytes(levels: number): Uint8Array {
  const inner = new PickleAsm().proto(2).int(7).stop().bytesOut();
  const heads: Uint8Array[] = [];
  const tail = new PickleAsm().raw(0x85).reduce().stop().bytesOut(); // TUPLE1 REDUCE STOP
  let length = inner.length;
  for (let i = 0; i < levels; i++) {
    const head = new PickleAsm().proto(2).global('torch.storage', '_load_from_bytes').raw(0x42, ...u32le(length)).bytesOut();
    heads.push(head);
    length += head.length + tail.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = heads.length - 1; i >= 0; i--) {
    out.set(heads[i], at);
    at += heads[i].length;
  }
  out.set(inner, at);
  at += inner.length;
  for (let i = 0; i < levels; i++) {
    out.set(tail, at);
    at += tail.length;
  }
  return out;
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

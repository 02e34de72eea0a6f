import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { toFloat32, type HostTensor } from '../../src/io/host-tensor.js';
import { readTorchCheckpoint } from '../../src/io/torch/checkpoint.js';
import { PickledObject, pickledAttributes } from '../../src/io/torch/pickle.js';
import { flattenStateDict } from '../../src/io/torch/state-dict.js';
import { gatherStrided, TorchStorage, TorchTensor } from '../../src/io/torch/storage.js';
import { NumpyDtype, PersistentModule } from '../../src/io/torch/torch-globals.js';
import { expectTensor, expected, fixture, truncations } from './helpers.js';

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

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PickledObject, unpickle, type GlobalHandlers } from '../../src/io/torch/pickle.js';
import { torchGlobals } from '../../src/io/torch/torch-globals.js';
import { readTorchCheckpoint } from '../../src/io/torch/checkpoint.js';
import { fixture } from './helpers.js';

const globals = torchGlobals({ loadNested: () => null });
const read = (bytes: Uint8Array, extra: GlobalHandlers = {}) => unpickle(bytes, { globals: { ...globals, ...extra } }).value;
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('pickle VM: values', () => {
  it.each([0, 1, 2, 3, 4, 5])('reads plain Python values at protocol %i', (protocol) => {
    const v = read(fixture(`plain_p${protocol}.pkl`)) as Map<string, unknown>;
    expect(v).toBeInstanceOf(Map);
    expect([...v.keys()]).toEqual([
      'int', 'neg', 'int16', 'int32', 'big', 'negbig', 'float', 'str', 'bytes', 'tuple', 'list', 'set', 'frozenset',
      'none', 'true', 'false', 'nested', 'shared',
    ]);
    expect(v.get('int')).toBe(1);
    expect(v.get('neg')).toBe(-5);
    expect(v.get('int16')).toBe(40000);
    expect(v.get('int32')).toBe(-(2 ** 31));
    expect(v.get('big')).toBe(2n ** 70n);
    expect(v.get('negbig')).toBe(-(2n ** 63n) - 1n);
    expect(v.get('float')).toBe(1.5);
    expect(v.get('str')).toBe('h\u00e9llo \u2603');
    expect(v.get('bytes')).toEqual(new Uint8Array([0, 255, 10]));
    expect(v.get('tuple')).toEqual([1, 'a']);
    expect(v.get('list')).toEqual([1, [2, 3]]);
    expect(v.get('set')).toEqual(new Set([7, 8]));
    expect(v.get('frozenset')).toEqual(new Set([9]));
    expect(v.get('none')).toBeNull();
    expect(v.get('true')).toBe(true);
    expect(v.get('false')).toBe(false);
    expect(v.get('nested')).toEqual(new Map([['a', new Map([['b', 2]])]]));
    const shared = v.get('shared') as unknown[][];
    expect(shared[0]).toEqual([4, 5]);
    expect(shared[0]).toBe(shared[1]); // the memo gives back the same object, as Python does
  });

  it('reports where a pickle ends, so consecutive pickles can be read', () => {
    const a = fixture('plain_p2.pkl');
    const b = fixture('plain_p4.pkl');
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const first = unpickle(both, { globals });
    expect(first.end).toBe(a.length);
    const second = unpickle(both, { globals, offset: first.end });
    expect(second.end).toBe(both.length);
    expect((second.value as Map<string, unknown>).get('big')).toBe(2n ** 70n);
  });
});

describe('pickle VM: refusals', () => {
  it("refuses os.system (GLOBAL), naming it, before calling anything", () => {
    const message = "pickle: refusing unknown global 'os.system' (GLOBAL at offset 2; only tensor checkpoint globals are allowed)";
    expect(() => read(fixture('evil_os_system.pkl'))).toThrow(message);
    expect(() => readTorchCheckpoint(fixture('evil_os_system.pkl'))).toThrow(message);
  });

  it('refuses builtins.eval (STACK_GLOBAL), naming it', () => {
    expect(() => readTorchCheckpoint(fixture('evil_builtins_eval.pkl'))).toThrow(
      /^pickle: refusing unknown global 'builtins\.eval' \(STACK_GLOBAL at offset \d+; only tensor checkpoint globals are allowed\)$/,
    );
  });

  it('refuses hostile globals inside zip and TorchScript archives too', () => {
    const evil = fixture('evil_os_system.pkl');
    expect(() => readTorchCheckpoint(zipSync({ 'archive/data.pkl': evil }))).toThrow(
      "pickle: archive/data.pkl: refusing unknown global 'os.system'",
    );
    // In a TorchScript archive only `__torch__.*` class names become inert objects; os.system stays refused.
    const scripted = zipSync({ 'archive/data.pkl': evil, 'archive/code/__torch__.py': ascii('x') });
    expect(() => readTorchCheckpoint(scripted)).toThrow("refusing unknown global 'os.system'");
  });

  it('refuses a hostile nested blob in an NVIDIA-style pickle', () => {
    // torch.storage._load_from_bytes(<bytes of a pickle calling os.system>)
    const evil = fixture('evil_os_system.pkl');
    const head = ascii('\x80\x02ctorch.storage\n_load_from_bytes\nB');
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, evil.length, true);
    const tail = ascii('\x85R.');
    const outer = new Uint8Array([...head, ...len, ...evil, ...tail]);
    expect(() => readTorchCheckpoint(outer)).toThrow("refusing unknown global 'os.system'");
  });

  it('allows extra globals only when the caller passes a handler', () => {
    const point = ascii('\x80\x02cmymod\nPoint\nK\x01K\x02\x86R.');
    expect(() => read(point)).toThrow("refusing unknown global 'mymod.Point'");
    expect(read(point, { 'mymod.Point': (args) => ({ x: args[0], y: args[1] }) })).toEqual({ x: 1, y: 2 });
    expect(readTorchCheckpoint(point, { handlers: { 'mymod.Point': (args) => args } }).root).toEqual([1, 2]);
  });

  it('refuses calling a global that is allowed only as a value', () => {
    expect(() => read(ascii('\x80\x02ctorch\nFloatStorage\n)R.'))).toThrow(
      /calls 'torch.FloatStorage', which is allowed only as a value/,
    );
  });

  it('refuses unknown opcodes, naming the opcode and offset', () => {
    expect(() => read(new Uint8Array([0x80, 0x02, 0x4b, 0x01, 0xff, 0x2e]))).toThrow(
      'pickle: unknown opcode 0xff at offset 4',
    );
    expect(() => read(new Uint8Array([0x80, 0x02, 0x82, 0x01, 0x2e]))).toThrow(/EXT1 at offset 2: the copyreg extension registry/);
    expect(() => read(new Uint8Array([0x80, 0x09, 0x2e]))).toThrow(/unsupported pickle protocol 9/);
  });

  it.each(['plain_p0.pkl', 'plain_p2.pkl', 'plain_p4.pkl', 'nvidia_network.pkl'])(
    'reports truncation at every cut point of %s',
    (name) => {
      const bytes = fixture(name);
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(() => read(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(/^pickle: truncated input/);
      }
    },
  );

  it('detects corrupt streams: bad memo reads, missing MARK, leftover stack', () => {
    expect(() => read(new Uint8Array([0x80, 0x02, 0x68, 0x05, 0x2e]))).toThrow(/memo slot 5, which was never stored/);
    expect(() => read(new Uint8Array([0x80, 0x02, 0x74, 0x2e]))).toThrow(/TUPLE at offset 2 has no matching MARK/);
    expect(() => read(new Uint8Array([0x80, 0x02, 0x4b, 0x01, 0x4b, 0x02, 0x2e]))).toThrow(/STOP at offset 6 with 2 values/);
  });

  it('turns __torch__ classes into inert objects only inside TorchScript archives', () => {
    const obj = ascii('\x80\x02c__torch__\nM\n)\x81}X\x01\x00\x00\x00aK\x07sb.');
    expect(() => read(obj)).toThrow("refusing unknown global '__torch__.M'");
    const scripted = readTorchCheckpoint(zipSync({ 'a/data.pkl': obj, 'a/code/__torch__.py': ascii('') }));
    expect(scripted.format).toBe('torchscript');
    expect(scripted.root).toBeInstanceOf(PickledObject);
    expect((scripted.root as PickledObject).className).toBe('__torch__.M');
    expect((scripted.root as PickledObject).state).toEqual(new Map([['a', 7]]));
  });
});

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PickledObject, unpickle, type GlobalHandlers } from '../src/torch/pickle.js';
import { torchGlobals } from '../src/torch/torch-globals.js';
import { readTorchCheckpoint } from '../src/torch/checkpoint.js';
import { fixture } from './helpers.js';
import { mulberry32 } from '../src/testing/seeded-random.js';
import { PickleAsm } from './pickle-asm.js';

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

describe('pickle VM: hostile pickles are refused, clearly and quickly, and nothing is executed', () => {
  // A resolver that records every global the VM asks about, to show a refused global is never called.
  const asked: string[] = [];
  const spy = (bytes: Uint8Array) =>
    unpickle(bytes, {
      globals,
      source: 'evil.pkl',
      resolveGlobal: (module, name) => {
        asked.push(`${module}.${name}`);
        return undefined;
      },
    }).value;
  const call = (p: PickleAsm) => p.str('echo pwned').raw(0x85).reduce().stop().bytesOut(); // (arg,) REDUCE

  it.each([
    ['os', 'system'],
    ['builtins', 'eval'],
    ['subprocess', 'Popen'],
    ['posix', 'system'],
    ['builtins', 'getattr'],
    ['builtins', '__import__'],
  ])('refuses REDUCE of %s.%s via GLOBAL and STACK_GLOBAL, naming it and the file', (module, name) => {
    asked.length = 0;
    expect(() => spy(call(new PickleAsm().proto(2).global(module, name)))).toThrow(
      `pickle: evil.pkl: refusing unknown global '${module}.${name}' (GLOBAL at offset 2; only tensor checkpoint globals are allowed)`,
    );
    expect(() => spy(call(new PickleAsm().proto(4).stackGlobal(module, name)))).toThrow(
      new RegExp(`^pickle: evil\\.pkl: refusing unknown global '${module}\\.${name}' \\(STACK_GLOBAL at offset \\d+;`),
    );
    // INST and OBJ name or take the class too; both are refused at the name.
    expect(() => spy(new PickleAsm().proto(1).mark().str('x').raw(0x69).text(`${module}\n${name}\n`).stop().bytesOut())).toThrow(
      `refusing unknown global '${module}.${name}' (INST at offset 9;`,
    );
    expect(asked).toEqual([`${module}.${name}`, `${module}.${name}`, `${module}.${name}`]); // asked, refused, never called
  });

  it.each([
    ['a newline inside the module', 'torch._utils\n_rebuild_tensor_v2', 'x'],
    ['a dotted name reaching an allowed function', 'torch', '_utils._rebuild_tensor_v2'],
    ['an empty path segment', 'torch.._utils', '_rebuild_tensor_v2'],
    ['a trailing space', 'torch._utils ', '_rebuild_tensor_v2'],
    ['a dotted attribute path', 'builtins', 'getattr.__self__'],
    ['an empty name', 'os', ''],
  ])('refuses a STACK_GLOBAL with %s before looking it up', (_what, module, name) => {
    asked.length = 0;
    expect(() => spy(call(new PickleAsm().proto(4).stackGlobal(module, name)))).toThrow(
      `pickle: evil.pkl: refusing global module ${JSON.stringify(module)}, name ${JSON.stringify(name)} (STACK_GLOBAL at offset`,
    );
    expect(asked).toEqual([]);
  });

  it('shows at most 200 characters of a megabyte-long global name', () => {
    for (const module of ['m'.repeat(1 << 20), `${'m'.repeat(1 << 20)}\t`]) {
      let message = '';
      try {
        read(new PickleAsm().proto(2).global(module, 'x').stop().bytesOut());
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^pickle: refusing (unknown )?global/);
      expect(message.length).toBeLessThan(500);
    }
  });

  it('refuses _codecs.encode of text that is not latin1, naming the character', () => {
    const encode = (text: string) =>
      new PickleAsm().proto(2).global('_codecs', 'encode').str(text).str('latin1').raw(0x86).reduce().stop().bytesOut();
    expect(read(encode('\u00ff\u0000a'))).toEqual(new Uint8Array([0xff, 0, 0x61]));
    expect(() => read(encode('ab\u0100'))).toThrow("pickle: '_codecs.encode' (REDUCE at offset 39): character U+0100 at index 2 is not latin1");
  });

  it('refuses malformed names in a text GLOBAL too', () => {
    expect(() => read(new PickleAsm().proto(2).global('torch.._utils', '_rebuild_tensor_v2').stop().bytesOut())).toThrow(
      /refusing global module "torch\.\._utils", name "_rebuild_tensor_v2" \(GLOBAL at offset 2\): not a plain module path/,
    );
  });

  it('decodes a 64 kB LONG4 in linear time, exactly, and refuses a 1 MB one (it used to hang)', () => {
    const n = 65536;
    const payload = new Uint8Array(n).fill(0xff);
    payload[n - 1] = 0x7f; // 2^(8n-1) - 1
    const long4 = (b: Uint8Array) => new PickleAsm().proto(2).raw(0x8b, ...u32le(b.length), b).stop().bytesOut();
    expect(read(long4(payload))).toBe((1n << BigInt(8 * n - 1)) - 1n);
    expect(read(long4(new Uint8Array(n).fill(0xff)))).toBe(-1);
    // Random bytes against a straightforward reference (shift-and-or, fine at this size).
    const next = mulberry32(7);
    const random = Uint8Array.from({ length: 300 }, () => Math.floor(next() * 256));
    let want = 0n;
    for (let i = random.length - 1; i >= 0; i--) want = (want << 8n) | BigInt(random[i]);
    if (random[random.length - 1] & 0x80) want -= 1n << BigInt(8 * random.length);
    expect(read(long4(random))).toBe(want);
    expect(() => read(long4(new Uint8Array(1 << 20)))).toThrow('pickle: LONG4 at offset 2 holds a 1048576-byte integer; the limit is 65536 bytes');
  });

  it('refuses text integers longer than 4300 digits (INT, LONG, PUT, GET)', () => {
    const digits = '9'.repeat(5000);
    expect(() => read(ascii(`I${digits}\n.`))).toThrow('pickle: INT at offset 0: an integer literal of 5000 characters; the limit is 4300 digits');
    expect(() => read(ascii(`L${digits}L\n.`))).toThrow(/LONG at offset 0: an integer literal/);
    expect(() => read(ascii(`N(g${digits}\n.`))).toThrow(/GET at offset 2: an integer literal/);
    expect(read(ascii(`I${'9'.repeat(4300)}\n.`))).toBe(10n ** 4300n - 1n);
  });

  it("refuses a UNICODE escape beyond U+10FFFF (was a bare 'Invalid code point')", () => {
    expect(() => read(ascii('V\\U7fffffff\n.'))).toThrow('pickle: UNICODE at offset 0 escapes code point 0x7fffffff, beyond U+10FFFF');
    expect(read(ascii('V\\U0001f600\\u00e9\n.'))).toBe('\u{1f600}\u00e9');
  });

  it('refuses memo abuse: reads of slots never stored, huge or negative slots', () => {
    expect(() => read(new Uint8Array([0x80, 0x02, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e]))).toThrow(
      'pickle: LONG_BINGET at offset 2 reads memo slot 4294967295, which was never stored (corrupt pickle)',
    );
    expect(() => read(ascii('N(g99999999999999999999\n.'))).toThrow(/GET at offset 2 reads memo slot 99999999999999999999, which was never stored/);
    expect(() => read(ascii('Np-1\n.'))).toThrow('pickle: PUT at offset 1 stores to memo slot -1; slots are integers from 0 to 2^53');
    // A huge slot number is just a key: stored and read back, no array of that length is made.
    expect(read(new Uint8Array([0x80, 0x02, 0x4b, 0x05, 0x72, 0xff, 0xff, 0xff, 0xff, 0x30, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e]))).toBe(5);
  });

  it('reads 100 000-deep nesting without recursion (flattening it is refused, see torch.test.ts)', () => {
    const p = new PickleAsm().proto(2);
    for (let i = 0; i < 100_000; i++) p.mark();
    for (let i = 0; i < 100_000; i++) p.tuple();
    let v = read(p.stop().bytesOut()) as unknown[];
    let depth = 1;
    while (v.length) {
      v = v[0] as unknown[];
      depth++;
    }
    expect(depth).toBe(100_000);
  });
});

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/**
 * A Python pickle reader that executes nothing.
 *
 * A pickle is a program for a small stack machine (CPython `Lib/pickle.py`, `Lib/pickletools.py` document every
 * opcode). Most opcodes only push data: numbers, strings, bytes, tuples, lists, dicts. The dangerous ones name a
 * Python global (GLOBAL, STACK_GLOBAL, INST) and then call it (REDUCE, NEWOBJ, OBJ, BUILD): that is how
 * `os.system('…')` gets run by `pickle.load`. Here a global only resolves through an allowlist of JS handlers, each
 * of which builds a plain value from plain arguments; any other global is refused with its name before anything
 * is called. Checkpoint-specific handlers live in `torch-globals.ts`; this file knows nothing about torch.
 *
 * Python values map to JS as: None → null, bool → boolean, int → number (bigint beyond ±2^53), float → number,
 * str → string, bytes/bytearray → Uint8Array, tuple and list → Array, dict → Map (keys keep their types and
 * insertion order), set/frozenset → Set. Whatever a handler returns stands for the object it replaces.
 */

/** Builds a plain value from the pickled call arguments (REDUCE / NEWOBJ / INST / OBJ). */
export type GlobalHandler = (args: unknown[], kwargs?: Map<unknown, unknown>) => unknown;

/**
 * The allowlist: `'module.name'` → handler, or `null` for globals that are only passed around as values (a class
 * used as a type tag, like `torch.FloatStorage`) and never called.
 */
export type GlobalHandlers = Record<string, GlobalHandler | null>;

/** A resolved global on the stack: its name, and the handler when it may be called. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly handler: GlobalHandler | null,
  ) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An instance of an allow-listed class that has no richer JS form: the class name, the constructor arguments, the
 * state BUILD gave it (normally its `__dict__` as a Map) and any items a dict/list subclass received.
 */
export class PickledObject {
  state: unknown = undefined;
  dictItems: Map<unknown, unknown> | undefined;
  listItems: unknown[] | undefined;
  constructor(
    readonly className: string,
    readonly args: unknown[] = [],
  ) {}
  __setstate__(state: unknown): void {
    this.state = state;
  }
}

const attributes = new WeakMap<object, unknown>();

/**
 * The state BUILD gave an object that has no `__setstate__` of its own, such as the `{'_metadata': …}` attribute
 * dict of an OrderedDict state_dict (per-module version numbers). Undefined when there was none.
 */
export function pickledAttributes(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? attributes.get(value) : undefined;
}

/** Objects with a `__setstate__` method take BUILD's state themselves (numpy arrays, dtypes, PickledObject). */
interface Buildable {
  __setstate__(state: unknown): void;
}

export interface UnpickleOptions {
  /** Exact-name allowlist. */
  globals: GlobalHandlers;
  /** Consulted for names not in `globals` (pattern rules such as TorchScript's `__torch__.*` classes). */
  resolveGlobal?: (module: string, name: string) => GlobalHandler | null | undefined;
  /** Turns a persistent id (PERSID / BINPERSID) into a value; torch uses these for tensor storages. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Where the pickle starts in `bytes` (several pickles can follow one another, as in legacy torch files). */
  offset?: number;
  /** Label for error messages, e.g. `'archive/data.pkl'`. */
  source?: string;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode. */
  end: number;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID',
  0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE',
  0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET',
  0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS',
  0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE',
  0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

// Python's own unpickler has no size limits; these keep one hostile opcode from costing more than a moment.
/** LONG4 integers above this many bytes (a 524 288-bit integer) are refused; no checkpoint holds one. */
export const MAX_LONG_BYTES = 65536;
/** Text integers (INT, LONG, PUT, GET) above this many digits are refused, like Python's int_max_str_digits. */
export const MAX_INT_DIGITS = 4300;

// A global is `module` (dotted identifiers) and `name` (one identifier). Python resolves a dotted name as an
// attribute path, so `('torch', '_utils._rebuild_tensor_v2')` would reach an allowed function by a route the
// allowlist never named; control characters could smuggle a second line into a text GLOBAL. Both are refused.
const MODULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const latin1 = new TextDecoder('latin1');

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): UnpickleResult {
  const where = options.source ? `${options.source}: ` : '';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = options.offset ?? 0;
  let opStart = pos;
  let opName = '';

  // Python's unpickler keeps the items since the last MARK on a "metastack"; we do the same so that
  // marks cost nothing and a missing MARK is detected.
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (message: string): never => {
    throw new Error(`pickle: ${where}${message}`);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) {
      fail(`truncated input: ${opName} at offset ${opStart} needs ${n} more bytes at offset ${pos}, but the data ends at ${bytes.length}`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`truncated input: ${opName} at offset ${opStart} has no terminating newline`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const readBytes = (n: number | bigint): Uint8Array => {
    const len = Number(n);
    if (len < 0 || len > bytes.length) {
      fail(`truncated input: ${opName} at offset ${opStart} declares ${n} bytes, more than the data holds`);
    }
    const at = need(len);
    return Uint8Array.prototype.slice.call(bytes, at, at + len); // a copy even when bytes is a Node Buffer
  };
  const decodeUtf8 = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`${opName} at offset ${opStart} holds invalid UTF-8`);
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`${opName} at offset ${opStart} pops from an empty stack (corrupt pickle)`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(`${opName} at offset ${opStart} needs a value on the stack (corrupt pickle)`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) return fail(`${opName} at offset ${opStart} has no matching MARK (corrupt pickle)`);
    stack = previous;
    return items;
  };
  const memoGet = (i: number | bigint): unknown => {
    if (typeof i !== 'number' || !memo.has(i)) {
      fail(`${opName} at offset ${opStart} reads memo slot ${i}, which was never stored (corrupt pickle)`);
    }
    return memo.get(i as number);
  };
  const memoPut = (i: number | bigint): void => {
    if (typeof i !== 'number' || i < 0) fail(`${opName} at offset ${opStart} stores to memo slot ${i}; slots are integers from 0 to 2^53`);
    memo.set(i as number, top());
  };

  const resolve = (module: string, name: string): PickleGlobal => {
    if (!MODULE_PATH.test(module) || !IDENTIFIER.test(name)) {
      fail(
        `refusing global module ${JSON.stringify(clip(module))}, name ${JSON.stringify(clip(name))} (${opName} at offset ${opStart}): ` +
          'not a plain module path and identifier (dotted names and control characters are never allowed)',
      );
    }
    const full = `${module}.${name}`;
    let handler: GlobalHandler | null | undefined = Object.prototype.hasOwnProperty.call(options.globals, full)
      ? options.globals[full]
      : undefined;
    if (handler === undefined) handler = options.resolveGlobal?.(module, name);
    if (handler === undefined) {
      throw new Error(
        `pickle: ${where}refusing unknown global '${clip(full)}' (${opName} at offset ${opStart}; only tensor checkpoint globals are allowed)`,
      );
    }
    return new PickleGlobal(module, name, handler);
  };
  const call = (callable: unknown, args: unknown, kwargs?: Map<unknown, unknown>): unknown => {
    if (!(callable instanceof PickleGlobal)) {
      return fail(`${opName} at offset ${opStart} calls something that is not an allow-listed global (corrupt pickle)`);
    }
    if (!callable.handler) {
      return fail(`${opName} at offset ${opStart} calls '${callable.fullName}', which is allowed only as a value, not as a call`);
    }
    if (!Array.isArray(args)) return fail(`${opName} at offset ${opStart} passes non-tuple arguments to '${callable.fullName}'`);
    try {
      return callable.handler(args, kwargs);
    } catch (e) {
      const message = (e as Error).message;
      // Refusals from nested loads already carry their context; other handler errors get the call site.
      if (message.startsWith('pickle:') || message.startsWith('torch:')) throw e;
      return fail(`'${callable.fullName}' (${opName} at offset ${opStart}): ${message}`);
    }
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (items.length % 2 !== 0) fail(`${opName} at offset ${opStart} has an odd number of key/value items`);
    const map = target instanceof Map ? target : target instanceof PickledObject ? (target.dictItems ??= new Map()) : null;
    if (!map) return void fail(`${opName} at offset ${opStart} sets items on a ${describe(target)}, not a dict`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    const list = Array.isArray(target) ? target : target instanceof PickledObject ? (target.listItems ??= []) : null;
    if (!list) return void fail(`${opName} at offset ${opStart} appends to a ${describe(target)}, not a list`);
    for (const item of items) list.push(item);
  };
  const toInt = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const readLong = (n: number): number | bigint => {
    // Little-endian two's complement of n bytes. Read as one hex string, most significant byte first: shifting a
    // BigInt byte by byte copies it every time, which is quadratic in n.
    if (n > MAX_LONG_BYTES) fail(`${opName} at offset ${opStart} holds a ${n}-byte integer; the limit is ${MAX_LONG_BYTES} bytes`);
    const b = readBytes(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += HEX[b[i]];
    let v = BigInt(`0x${hex}`);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return toInt(v);
  };
  const intLiteral = (text: string): number | bigint => parseIntLiteral(text, (m) => fail(`${opName} at offset ${opStart}: ${m}`));

  for (;;) {
    opStart = pos;
    if (pos >= bytes.length) {
      opName = 'end of data';
      fail(`truncated input: the data ends at offset ${pos} before the STOP opcode`);
    }
    const op = bytes[pos++];
    opName = OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
    switch (op) {
      // ---- framing and control ----
      case 0x80: // PROTO
        if (bytes[need(1)] > 5) fail(`unsupported pickle protocol ${bytes[pos - 1]} at offset ${opStart}`);
        break;
      case 0x95: {
        // FRAME: a length prefix for buffered reading. Everything is in memory already; just check it fits.
        const n = view.getBigUint64(need(8), true);
        if (BigInt(pos) + n > BigInt(bytes.length)) {
          fail(`truncated input: FRAME at offset ${opStart} declares ${n} bytes but only ${bytes.length - pos} remain`);
        }
        break;
      }
      case 0x2e: // STOP
        if (metastack.length > 0) fail(`STOP at offset ${opStart} inside an unclosed MARK (corrupt pickle)`);
        if (stack.length !== 1) fail(`STOP at offset ${opStart} with ${stack.length} values on the stack (corrupt pickle)`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      // ---- scalars ----
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: // LONG1
        stack.push(readLong(bytes[need(1)]));
        break;
      case 0x8b: {
        // LONG4
        const n = view.getInt32(need(4), true);
        if (n < 0) fail(`LONG4 at offset ${opStart} has a negative length`);
        stack.push(readLong(n));
        break;
      }
      case 0x49: {
        // INT (text); protocol 0 spells booleans as I01 / I00
        const line = readLine();
        if (line === '01') stack.push(true);
        else if (line === '00') stack.push(false);
        else stack.push(intLiteral(line));
        break;
      }
      case 0x4c: // LONG (text, with a trailing L)
        stack.push(intLiteral(readLine().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT: big-endian IEEE double
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x46: {
        // FLOAT (text)
        const line = readLine();
        const v = Number(line);
        if (Number.isNaN(v) && !/^-?nan$/i.test(line)) fail(`FLOAT at offset ${opStart} is not a number: ${line}`);
        stack.push(v);
        break;
      }

      // ---- strings and bytes ----
      case 0x58: // BINUNICODE
        stack.push(decodeUtf8(readBytes(view.getUint32(need(4), true))));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decodeUtf8(readBytes(bytes[need(1)])));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(decodeUtf8(readBytes(view.getBigUint64(need(8), true))));
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape)
        stack.push(
          readLine().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4, u8) => {
            const code = parseInt(u4 ?? u8, 16);
            if (code > 0x10ffff) fail(`UNICODE at offset ${opStart} escapes code point 0x${code.toString(16)}, beyond U+10FFFF`);
            return String.fromCodePoint(code);
          }),
        );
        break;
      case 0x42: // BINBYTES
        stack.push(readBytes(view.getUint32(need(4), true)));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(readBytes(bytes[need(1)]));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(readBytes(view.getBigUint64(need(8), true)));
        break;
      case 0x54: // BINSTRING (Python 2 str: bytes, read as latin-1 text as Python 3 does with encoding='latin1')
        stack.push(latin1.decode(readBytes(view.getInt32(need(4), true))));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(readBytes(bytes[need(1)])));
        break;
      case 0x53: // STRING (text, a quoted Python 2 repr)
        stack.push(parseQuotedString(readLine(), (m) => fail(`STRING at offset ${opStart}: ${m}`)));
        break;

      // ---- containers ----
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: {
        // LIST. (popMark replaces `stack`, so take the items before naming `stack`.)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const map = new Map();
        setItems(map, popMark());
        stack.push(map);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) fail(`ADDITEMS at offset ${opStart} adds to a ${describe(set)}, not a set`);
        for (const item of items) (set as Set<unknown>).add(item);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }

      // ---- memo ----
      case 0x70: // PUT (text)
        memoPut(intLiteral(readLine()));
        break;
      case 0x71: // BINPUT
        memoPut(bytes[need(1)]);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(view.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(intLiteral(readLine())));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(bytes[need(1)]));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(view.getUint32(need(4), true)));
        break;

      // ---- globals and calls: everything goes through the allowlist ----
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = readLine();
        const name = readLine();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail(`STACK_GLOBAL at offset ${opStart} needs two strings on the stack`);
        }
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        stack.push(call(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); our handlers build the finished value either way
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, kwargs instanceof Map ? kwargs : undefined));
        break;
      }
      case 0x69: {
        // INST: "module\nname\n" then MARK args
        const module = readLine();
        const name = readLine();
        const args = popMark();
        stack.push(call(resolve(module, name), args));
        break;
      }
      case 0x6f: {
        // OBJ: MARK cls args...
        const items = popMark();
        if (items.length === 0) fail(`OBJ at offset ${opStart} has no class`);
        stack.push(call(items[0], items.slice(1)));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state), or obj.__dict__.update(state)
        const state = pop();
        const obj = top();
        if (obj !== null && typeof obj === 'object' && typeof (obj as Partial<Buildable>).__setstate__ === 'function') {
          try {
            (obj as Buildable).__setstate__(state);
          } catch (e) {
            fail(`BUILD at offset ${opStart} of a ${describe(obj)}: ${(e as Error).message}`);
          }
        } else if (state === null) {
          // Nothing to apply.
        } else if (obj !== null && typeof obj === 'object') {
          // Python sets these as attributes, not items (an OrderedDict state_dict carries `_metadata` this way),
          // so they must not mix with a dict's items. Keep them aside; `pickledAttributes` reads them.
          attributes.set(obj, state);
        } else {
          fail(`BUILD at offset ${opStart} cannot apply state to a ${describe(obj)}`);
        }
        break;
      }
      case 0x50: // PERSID (text id)
      case 0x51: {
        // BINPERSID
        const pid = op === 0x50 ? readLine() : pop();
        if (!options.persistentLoad) fail(`${opName} at offset ${opStart}: persistent ids are not expected in this pickle`);
        stack.push(options.persistentLoad!(pid));
        break;
      }

      case 0x82:
      case 0x83:
      case 0x84:
        fail(`${opName} at offset ${opStart}: the copyreg extension registry is not supported`);
        break;
      case 0x97:
      case 0x98:
        fail(`${opName} at offset ${opStart}: out-of-band buffers (protocol 5) are not supported`);
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${opStart}`);
    }
  }
}

/** Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'missing value';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof Map) return 'dict';
  if (v instanceof PickleGlobal) return `global '${v.fullName}'`;
  if (v instanceof PickledObject) return `'${v.className}' object`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** Names from the file shown in messages: the first 200 characters. */
function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** A value for an error message: numbers and short strings as they are, anything else described. */
export function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  return describe(v);
}

function parseIntLiteral(text: string, fail: (m: string) => never): number | bigint {
  if (text.length > MAX_INT_DIGITS + 1) fail(`an integer literal of ${text.length} characters; the limit is ${MAX_INT_DIGITS} digits`);
  if (!/^[-+]?\d+$/.test(text)) fail(`bad integer literal ${JSON.stringify(text.slice(0, 80))}`);
  const v = BigInt(text);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A Python 2 `repr` of a str: quoted, with backslash escapes. */
function parseQuotedString(line: string, fail: (m: string) => never): string {
  const q = line[0];
  if ((q !== "'" && q !== '"') || line[line.length - 1] !== q || line.length < 2) {
    fail(`STRING literal is not quoted: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return line.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) =>
    e[0] === 'x' && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (escapes[e] ?? `\\${e}`),
  );
}

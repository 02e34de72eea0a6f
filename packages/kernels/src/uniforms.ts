/**
 * Named uniforms: one declaration gives both the WGSL struct body and the packer, so the order of
 * fields can never differ between the shader and the launch.
 *
 *   const U = uniformStruct({ shape: vec4u(2), H: 'u32', W: 'u32', padx0: 'i32', gain: 'f32' });
 *   bindings(reads, writes, U.wgsl)          // "shape: array<vec4<u32>, 2>, H: u32, W: u32, padx0: i32, gain: f32"
 *   rt.dispatch(k, { ..., uniforms: U.pack({ shape: x.shape, H, W, padx0, gain }) });
 *
 * Array fields (`vec4u(n)`, `vec4f(n)`) come before the scalars. Values are checked as they are
 * packed (a u32 must be a non-negative integer, an i32 an integer in range, an array no longer
 * than its declaration) and every field must be given, so a
 * typo or a missing value is an error naming the op's field rather than a silently wrong kernel.
 */
import type { Uniform } from './kernel.js';

/** `array<vec4<u32>, n>`: up to 4·n u32s, e.g. a shape or strides of rank ≤ 4·n. */
export interface Vec4uArray {
  readonly vec4u: number;
}
export const vec4u = (n: number): Vec4uArray => ({ vec4u: n });

/** `array<vec4<f32>, n>`: up to 4·n f32s, e.g. per-channel constants. */
export interface Vec4fArray {
  readonly vec4f: number;
}
export const vec4f = (n: number): Vec4fArray => ({ vec4f: n });

type ArrayField = Vec4uArray | Vec4fArray;
export type UniformField = 'u32' | 'i32' | 'f32' | ArrayField;
type FieldValue<T extends UniformField> = T extends ArrayField ? readonly number[] : number;
export type UniformValues<F extends Record<string, UniformField>> = { readonly [K in keyof F]: FieldValue<F[K]> };

export interface UniformStruct<F extends Record<string, UniformField>> {
  /** The struct body for `bindings(…, uniformStruct)`, fields in declaration order. */
  readonly wgsl: string;
  readonly fields: Readonly<F>;
  /** The values in declaration order, as `rt.dispatch` takes them. */
  pack(values: UniformValues<F>): Uniform[];
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** vec4s in an array field. */
const vec4Count = (t: ArrayField): number => ('vec4u' in t ? t.vec4u : t.vec4f);

export function uniformStruct<F extends Record<string, UniformField>>(fields: F): UniformStruct<F> {
  const names = Object.keys(fields);
  if (names.length === 0) throw new Error('uniformStruct: no fields');
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`uniformStruct: '${name}' is not a WGSL identifier`);
    const t = fields[name];
    if (typeof t === 'object' && !(Number.isInteger(vec4Count(t)) && vec4Count(t) >= 1)) {
      throw new Error(`uniformStruct: field '${name}' needs a positive vec4 count, got ${vec4Count(t)}`);
    }
  }
  // WGSL aligns a vec4 array to 16 bytes; a scalar before it would leave a hole the packer does
  // not write. Keeping arrays first makes the layout the plain sequence of 4-byte words.
  const firstScalar = names.findIndex((n) => typeof fields[n] === 'string');
  const lateArray = names.findIndex((n, i) => typeof fields[n] === 'object' && firstScalar >= 0 && i > firstScalar);
  if (lateArray >= 0) throw new Error(`uniformStruct: array field '${names[lateArray]}' must come before every scalar field`);

  const wgsl = names
    .map((n) => {
      const t = fields[n];
      return `${n}: ${typeof t === 'string' ? t : `array<vec4<${'vec4u' in t ? 'u32' : 'f32'}>, ${vec4Count(t)}>`}`;
    })
    .join(', ');

  return {
    wgsl,
    fields,
    pack(values) {
      const out: Uniform[] = [];
      for (const n of names) {
        const t = fields[n];
        const v = (values as Record<string, number | readonly number[] | undefined>)[n];
        if (v === undefined) throw new Error(`uniforms: missing value for '${n}' (struct ${wgsl})`);
        if (typeof t === 'object') {
          const float = 'vec4f' in t;
          if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`uniforms: '${n}' must be a list of ${float ? 'f32' : 'u32'}s, got ${String(v)}`);
          const list = v as readonly number[];
          const size = 4 * vec4Count(t);
          if (list.length > size) throw new Error(`uniforms: '${n}' holds at most ${size} values, got ${list.length}`);
          for (let i = 0; i < size; i++) {
            const e = i < list.length ? list[i] : 0;
            if (!float) out.push(u32Value(n, e));
            else if (typeof e === 'number') out.push({ f32: e });
            else throw new Error(`uniforms: '${n}' must be a list of f32s, got ${String(e)}`);
          }
        } else if (typeof v !== 'number') {
          throw new Error(`uniforms: '${n}' must be a number, got ${String(v)}`);
        } else if (t === 'u32') out.push(u32Value(n, v));
        else if (t === 'i32') {
          if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX) throw new Error(`uniforms: '${n}' must be an i32, got ${v}`);
          out.push({ i32: v });
        } else out.push({ f32: v });
      }
      // Every field was given, so any extra key is an unknown one (counted without allocating: pack runs per dispatch).
      let given = 0;
      for (const n in values) if (Object.prototype.hasOwnProperty.call(values, n)) given++;
      if (given > names.length) {
        const unknown = Object.keys(values).find((n) => !names.includes(n));
        throw new Error(`uniforms: unknown field '${unknown}' (struct ${wgsl})`);
      }
      return out;
    },
  };
}

function u32Value(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniforms: '${name}' must be a u32, got ${v}`);
  return v;
}

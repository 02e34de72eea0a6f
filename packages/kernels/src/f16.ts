/**
 * The CPU side of f16 tensors: uploads round each value to the nearest f16 (ties to even, through
 * f32 as a GPU's f32 → f16 conversion rounds), reads widen the values back exactly. The bit
 * conversions are @stylegpu/io's, which its checkpoint readers share.
 */
import { float16BitsToNumber, numberToFloat16Bits } from '@stylegpu/io';

/** f16 bits of `data`, in a Uint16Array of `length` ≥ data.length (the rest zero). */
export function encodeF16(data: ArrayLike<number>, length = data.length): Uint16Array {
  const bits = new Uint16Array(length);
  for (let i = 0; i < data.length; i++) bits[i] = numberToFloat16Bits(data[i]);
  return bits;
}

/** The f16 values of `bits`, widened to f32. */
export function decodeF16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToNumber(bits[i]);
  return out;
}

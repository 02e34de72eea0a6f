/** Generator output in about [−1, 1] → 8-bit values as the saved PNGs hold them (x·127.5 + 128, clamped, truncated). */
export function toUint8(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.floor(x[i] * 127.5 + 128)));
  return out;
}

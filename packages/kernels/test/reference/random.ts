/** CPU Philox4x32-10 (Random123's algorithm) and the stream layout of ops/random.ts, for bit-exact tests. */

const M0 = 0xd2511f53n;
const M1 = 0xcd9e8d57n;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** One Philox4x32-10 block: four 32-bit words for a 4-word counter and a 2-word key. */
export function philox4x32_10(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    // 64-bit products with BigInt, independent of the kernel's 16-bit split.
    const p0 = M0 * BigInt(c0);
    const p1 = M1 * BigInt(c2);
    const [hi0, lo0] = [Number(p0 >> 32n), Number(p0 & 0xffffffffn)];
    const [hi1, lo1] = [Number(p1 >> 32n), Number(p1 & 0xffffffffn)];
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** Words offset … offset+n−1 of the stream for `seed` (block b = counter [b_lo, b_hi, 0, 0]). */
export function philoxWords(seed: number, offset: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  let cachedBlock = -1;
  let words: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = offset + i;
    const b = Math.floor(w / 4);
    if (b !== cachedBlock) {
      words = philox4x32_10([b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0], key);
      cachedBlock = b;
    }
    out[i] = words[w % 4];
  }
  return out;
}

export const uniformOf = (word: number): number => (word >>> 8) * 2 ** -24;

/** Box–Muller in float64 on the word pairs of each block, as ops/random.ts documents. */
export function normalsRef(seed: number, offset: number, n: number): Float64Array {
  const first = offset - (offset % 2);
  const words = philoxWords(seed, first, n + (offset % 2) + 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = offset + i;
    const p = w - (w % 2) - first; // the even word of this element's pair
    const u1 = ((words[p] >>> 8) + 1) * 2 ** -24;
    const theta = 2 * Math.PI * uniformOf(words[p + 1]) - Math.PI;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = -r * (w % 2 === 0 ? Math.cos(theta) : Math.sin(theta));
  }
  return out;
}

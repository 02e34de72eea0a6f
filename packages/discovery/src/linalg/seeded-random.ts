/**
 * A small seeded generator for the CPU-side randomness of discovery (direction initialisation,
 * direction pairs, step scales): mulberry32 for uniforms, Box–Muller for normals. Deterministic per
 * seed across engines (integer arithmetic plus Math.log/cos/sqrt).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`SeededRandom: seed must be a non-negative integer, got ${seed}`);
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  normals(n: number, std = 1): Float32Array {
    return Float32Array.from({ length: n }, () => std * this.normal());
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** Two distinct integers in [0, n) (n ≥ 2). */
  distinctPair(n: number): [number, number] {
    const a = this.int(n);
    const b = (a + 1 + this.int(n - 1)) % n;
    return [a, b];
  }
}

/**
 * A small seeded mutation fuzzer for the file-format readers. Every target is a function of bytes
 * that must either return or throw an `Error` with a message a user can act on. What counts as a
 * failure: any other throw (a string, a TypeError/RangeError from inside the reader, a stack
 * overflow), or one case taking longer than the time budget.
 *
 * `npm run fuzz` runs every target with STYLEGPU_FUZZ_CASES (default 10 000) cases; the normal test
 * suite runs a quick subset. STYLEGPU_FUZZ_SEED fixes the seed; failures print it with the case index.
 */
import { mulberry32 } from './seeded-random.js';

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** One mutation of `input`: bit flips, byte sets, interesting integers, chunk insert/delete/duplicate, truncation. */
export function mutate(input: Uint8Array, rng: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rng() * n);
  let out: Uint8Array = new Uint8Array(input); // a copy even for a Node Buffer, whose slice() is a view
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const n = out.length;
    switch (int(8)) {
      case 0: // flip a bit
        if (n) out[int(n)] ^= 1 << int(8);
        break;
      case 1: // set a byte
        if (n) out[int(n)] = int(256);
        break;
      case 2: { // write an interesting 32-bit integer, little or big endian
        if (n < 4) break;
        const at = int(n - 3);
        const v = INTERESTING_U32[int(INTERESTING_U32.length)];
        const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
        view.setUint32(at, v, rng() < 0.5);
        break;
      }
      case 3: { // delete a chunk
        if (!n) break;
        const at = int(n);
        const len = 1 + int(Math.min(64, n - at));
        out = concatBytes(out.subarray(0, at), out.subarray(at + len));
        break;
      }
      case 4: { // insert random bytes
        const at = int(n + 1);
        const junk = new Uint8Array(1 + int(32)).map(() => int(256));
        out = concatBytes(out.subarray(0, at), junk, out.subarray(at));
        break;
      }
      case 5: { // duplicate a chunk elsewhere
        if (!n) break;
        const from = int(n);
        const chunk = out.slice(from, from + 1 + int(Math.min(64, n - from)));
        const at = int(n + 1);
        out = concatBytes(out.subarray(0, at), chunk, out.subarray(at));
        break;
      }
      case 6: // truncate
        out = out.slice(0, int(n + 1));
        break;
      case 7: { // overwrite a chunk with a copy of another part of the file
        if (n < 2) break;
        const from = int(n), to = int(n);
        const len = 1 + int(Math.min(32, n - Math.max(from, to)));
        out.copyWithin(to, from, from + len);
        break;
      }
    }
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Messages that mean the reader failed by accident rather than refused the input. */
const ACCIDENTAL = [
  /Cannot read propert/i,
  /is not a function/i,
  /is not iterable/i,
  /\bundefined\b/,
  /Maximum call stack/i,
  /Invalid array length/i,
  /Invalid typed array length/i,
  /Array buffer allocation failed/i,
  /out of (bounds|range)/i,
  /^Offset is outside/i,
  /^Invalid code point/i,
  /^Invalid string length/i,
];

export interface FuzzFailure {
  index: number;
  kind: 'not-an-error' | 'accidental-error' | 'slow';
  message: string;
  ms: number;
  input: Uint8Array;
}

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  accepted: number;
  refused: number;
  failures: FuzzFailure[];
  slowestMs: number;
}

export interface FuzzOptions {
  /** Name printed in reports. */
  target: string;
  /** Valid inputs to mutate (one is picked per case). */
  corpus: readonly Uint8Array[];
  /** The reader under test: return (accepted) or throw an Error (refused). May be async. */
  run: (bytes: Uint8Array) => unknown;
  cases: number;
  seed: number;
  /** A case slower than this is a failure (default 5000 ms). */
  budgetMs?: number;
  /** Extra judgement of a refusal's message; return a reason to call it accidental. */
  judge?: (err: Error) => string | undefined;
}

/** Classifies one thrown value: undefined when it is a clear refusal. */
export function accidentalReason(err: unknown): string | undefined {
  if (!(err instanceof Error)) return `threw a non-Error: ${String(err)}`;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError) {
    return `${err.name}: ${err.message}`;
  }
  for (const re of ACCIDENTAL) if (re.test(err.message)) return `unclear message: ${err.message}`;
  if (err.message.trim().length < 12) return `message too short to act on: ${JSON.stringify(err.message)}`;
  return undefined;
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const rng = mulberry32(opts.seed);
  const budget = opts.budgetMs ?? 5000;
  const report: FuzzReport = { target: opts.target, seed: opts.seed, cases: 0, accepted: 0, refused: 0, failures: [], slowestMs: 0 };
  for (let i = 0; i < opts.cases; i++) {
    const base = opts.corpus[Math.floor(rng() * opts.corpus.length)];
    const input = mutate(base, rng);
    const t0 = performance.now();
    let failure: Omit<FuzzFailure, 'ms' | 'index' | 'input'> | undefined;
    try {
      await opts.run(input);
      report.accepted++;
    } catch (err) {
      const reason = accidentalReason(err) ?? (err instanceof Error ? opts.judge?.(err) : undefined);
      if (reason) failure = { kind: err instanceof Error ? 'accidental-error' : 'not-an-error', message: reason };
      else report.refused++;
    }
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (!failure && ms > budget) failure = { kind: 'slow', message: `took ${ms.toFixed(0)} ms (budget ${budget} ms)` };
    if (failure) report.failures.push({ ...failure, index: i, ms, input });
    report.cases++;
  }
  return report;
}

/** Cases per target: STYLEGPU_FUZZ_CASES when set (npm run fuzz sets 10 000), else `quick`. */
export function fuzzCases(quick: number): number {
  const env = typeof process !== 'undefined' ? process.env.STYLEGPU_FUZZ_CASES : undefined;
  return env ? Number(env) : quick;
}

/** The seed: STYLEGPU_FUZZ_SEED when set, else a fresh one (printed by formatFuzzReport). */
export function fuzzSeed(): number {
  const env = typeof process !== 'undefined' ? process.env.STYLEGPU_FUZZ_SEED : undefined;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}

export function formatFuzzReport(r: FuzzReport): string {
  const head = `fuzz ${r.target}: ${r.cases} cases (seed ${r.seed}): ${r.accepted} accepted, ${r.refused} refused, ${r.failures.length} failures; slowest ${r.slowestMs.toFixed(0)} ms`;
  const lines = r.failures.slice(0, 5).map((f) => `  case ${f.index} (${f.input.length} bytes, ${f.ms.toFixed(0)} ms): ${f.kind}: ${f.message.slice(0, 300)}`);
  return [head, ...lines].join('\n');
}

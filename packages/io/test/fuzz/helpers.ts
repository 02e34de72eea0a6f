/**
 * Shared pieces of the reader fuzz suites: the quick case count, running one target and failing the test with the
 * harness's report, and "use the result the way a loader would" (flatten, then convert every tensor).
 */
import { expect } from 'vitest';
import { toFloat32, type HostTensor } from '../../src/host-tensor.js';
import { flattenStateDict } from '../../src/torch/state-dict.js';
import { formatFuzzReport, fuzz, fuzzCases, fuzzSeed, type FuzzOptions } from '../../src/testing/fuzz.js';

/** Cases per target in the normal suite; `STYLEGPU_FUZZ_CASES=10000 npx vitest run fuzz` runs the full size. */
export const QUICK = 300;

/** Per test: a minute plus 50 ms a case (cases take well under 1 ms on average; the slowest seen is ~170 ms). */
export const FUZZ_TIMEOUT_MS = 60_000 + 50 * fuzzCases(QUICK);

/** Every tensor converted to f32, as a model loader does before upload (this is where stride-0 views used to explode). */
export function materialise(tensors: Iterable<HostTensor>): number {
  let n = 0;
  for (const t of tensors) n += toFloat32(t).length;
  return n;
}

export function materialiseTree(root: unknown): number {
  return materialise(flattenStateDict(root).values());
}

/**
 * Runs one target and fails with the first few failures (kind, message, seed and case index to reproduce).
 * `prefix` is what every refusal must start with: the format's name, so a user knows which reader refused.
 */
export async function expectFuzzClean(opts: Omit<FuzzOptions, 'cases' | 'seed' | 'judge'> & { prefix: RegExp }): Promise<void> {
  const report = await fuzz({
    ...opts,
    cases: fuzzCases(QUICK),
    seed: fuzzSeed(),
    judge: (err) => (opts.prefix.test(err.message) ? undefined : `message does not name the format: ${err.message.slice(0, 200)}`),
  });
  console.log(formatFuzzReport(report));
  expect(report.cases).toBe(fuzzCases(QUICK));
  expect(
    report.failures.slice(0, 5).map((f) => `seed ${report.seed} case ${f.index} (${f.input.length} bytes): ${f.kind}: ${f.message.slice(0, 300)}`),
  ).toEqual([]);
}

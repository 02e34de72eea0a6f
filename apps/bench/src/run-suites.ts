/** Runs the selected suites on an open runtime; the same function runs in Node and in the page. */
import { type Runtime, describeAdapter } from '@stylegpu/kernels';
import { type CaseResult, type HarnessOptions, runCases } from './harness.js';
import { findSuites } from './suites/index.js';
import type { RuntimeName } from './suites/types.js';

export interface AdapterInfo {
  runtime: RuntimeName;
  description: string;
  vendor: string;
  architecture: string;
  device: string;
  isFallbackAdapter: boolean;
  features: string[];
  timestampQuery: boolean;
  userAgent?: string;
}

export interface RuntimeRun {
  adapter: AdapterInfo;
  results: CaseResult[];
  /** "suite: note" for ops or suites that were not run. */
  skipped: string[];
}

export interface RunSuitesOptions extends HarnessOptions {
  suites?: string[];
  /** Only cases whose name contains one of these strings. */
  only?: string[];
}

export function adapterInfo(rt: Runtime, runtime: RuntimeName): AdapterInfo {
  const a = rt.gpu.adapter;
  return {
    runtime,
    description: describeAdapter(a),
    vendor: a.vendor,
    architecture: a.architecture,
    device: a.device,
    isFallbackAdapter: a.isFallbackAdapter,
    features: [...rt.gpu.features].sort(),
    timestampQuery: rt.gpu.features.has('timestamp-query'),
  };
}

export async function runSuites(rt: Runtime, runtime: RuntimeName, opts: RunSuitesOptions = {}): Promise<RuntimeRun> {
  const log = opts.log ?? (() => {});
  const results: CaseResult[] = [];
  const skipped: string[] = [];
  for (const suite of findSuites(opts.suites)) {
    const { cases, skipped: notes } = suite.cases(runtime, !!opts.quick);
    for (const n of notes) skipped.push(`${suite.name}: ${n}`);
    const selected = opts.only?.length ? cases.filter((c) => opts.only!.some((s) => c.name.includes(s))) : cases;
    log(`[${runtime}] suite ${suite.name}: ${selected.length} cases`);
    results.push(...(await runCases(rt, runtime, selected, opts)));
  }
  return { adapter: adapterInfo(rt, runtime), results, skipped };
}

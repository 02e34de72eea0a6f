/**
 * Runs benchmark cases on one runtime. Shared by Node and the page, so both measure alike:
 *
 *  1. setup (inputs uploaded), then one run + sync: compiles the pipelines (reported as `firstMs`);
 *  2. the correctness check of that run's outputs against a float64 CPU reference on a sample;
 *     a failing case is reported with its error and never timed;
 *  3. one more warm-up run (unless the first took over `slowRunMs`), whose time sizes the repeats: each repeat records `iters` runs
 *     (flushing after each, so every run is its own submitted pass) and waits for
 *     `queue.onSubmittedWorkDone()` (`rt.sync()`); wall time per run = elapsed / iters;
 *  4. with `timestamp-query`, the GPU time per run is the sum of its passes' timestamp spans.
 * Median, min/max and IQR over the repeats are reported. Nothing is read back inside a repeat.
 */
import { type KernelTime, type Runtime, formatProfile } from '@stylegpu/kernels';
import { PassTimer } from './pass-timer.js';
import { type Stats, summarize } from './stats.js';
import type { BenchCase, CheckResult, RuntimeName } from './suites/types.js';

export interface HarnessOptions {
  quick?: boolean;
  /** Wall-clock budget of one repeat; cheap runs are repeated inside it. */
  repeatMs?: number;
  /** Repeats per case (fewer for runs slower than `slowRunMs`). */
  repeats?: number;
  slowRunMs?: number;
  /** After timing, run each case once more under the kernel profiler and keep GPU time per kernel. */
  profile?: boolean;
  log?: (line: string) => void;
}

export interface CaseResult {
  suite: string;
  group: string;
  name: string;
  variant?: string;
  /** Who ran it: "stylegpu-node", "stylegpu-browser", or a peer ("tfjs-webgpu", "onnxruntime-cpu", "torch-cpu"). */
  runtime: string;
  params: Record<string, number | string>;
  flops: number;
  bytes: number;
  check: CheckResult | null;
  /** First run including pipeline compilation, ms. */
  firstMs?: number;
  /** Runs per timed repeat. */
  iters?: number;
  wallMs?: Stats;
  gpuMs?: Stats | null;
  /** From the median wall time. */
  gflops?: number;
  gbps?: number;
  /** From the median GPU (timestamp) time. */
  gpuGflops?: number;
  error?: string;
  note?: string;
  /** Case-specific figures (model suites: images/s, peak pool MiB, …). */
  metrics?: Record<string, number>;
  /** With `profile`: GPU time per kernel of one run, slowest first (top 25). */
  profile?: KernelTime[];
}

const now = (): number => performance.now();

export async function runCases(rt: Runtime, runtime: RuntimeName, cases: readonly BenchCase[], opts: HarnessOptions = {}): Promise<CaseResult[]> {
  const log = opts.log ?? (() => {});
  const repeatMs = opts.repeatMs ?? (opts.quick ? 60 : 150);
  const repeats = opts.repeats ?? (opts.quick ? 3 : 7);
  const slowRunMs = opts.slowRunMs ?? 1500;
  const timer = PassTimer.install(rt);
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      const base: CaseResult = {
        suite: c.suite,
        group: c.group,
        name: c.name,
        ...(c.variant ? { variant: c.variant } : {}),
        runtime: `stylegpu-${runtime}`,
        params: c.params,
        flops: c.flops,
        bytes: c.bytes,
        check: null,
      };
      const savedVariants = { ...rt.variants };
      if (c.variant) rt.variants[String(c.params.op)] = c.variant;
      let instance: ReturnType<BenchCase['setup']> | null = null;
      try {
        instance = c.setup({ rt, runtime });
        const inst = instance;
        const runOnce = async (): Promise<number> => {
          const t0 = now();
          if (inst.runAsync) await inst.runAsync();
          else inst.run();
          await rt.sync();
          return now() - t0;
        };
        base.firstMs = await runOnce();
        base.check = await inst.check();
        if (!base.check.ok) {
          base.error = `check failed: max |err| ${base.check.maxAbsErr.toExponential(2)} > ${base.check.tolerance.toExponential(2)}`;
          log(`  ${c.name}: ${base.error}`);
          results.push(base);
          continue;
        }
        // A slow first run already tells the cost; a fast one may be dominated by compilation.
        const steady = base.firstMs > slowRunMs ? base.firstMs : await runOnce();
        const iters = Math.max(1, Math.min(200, Math.round(repeatMs / Math.max(steady, 1e-3))));
        // Runs of many seconds (the ~19 GFLOP StyleGAN layers on lavapipe) get 2 repeats, slow ones 3.
        const n = c.repeats ?? Math.min(c.maxRepeats ?? repeats, steady > 5 * slowRunMs ? Math.min(2, repeats) : steady > slowRunMs ? Math.min(3, repeats) : repeats);
        const wall: number[] = [];
        const gpu: number[] = [];
        for (let r = 0; r < n; r++) {
          if (timer && !c.wallOnly) timer.arm();
          const t0 = now();
          for (let i = 0; i < iters; i++) {
            if (inst.runAsync) await inst.runAsync();
            else inst.run();
            rt.flush();
          }
          await rt.sync();
          wall.push((now() - t0) / iters);
          if (timer && !c.wallOnly) {
            const spans = await timer.collect();
            if (spans.length > 0) gpu.push(spans.reduce((a, b) => a + b, 0) / iters);
          }
        }
        const metrics = inst.metrics?.();
        if (metrics) base.metrics = metrics;
        const wallMs = summarize(wall);
        const gpuMs = gpu.length > 0 ? summarize(gpu) : null;
        Object.assign(base, {
          iters,
          wallMs,
          gpuMs,
          gflops: c.flops > 0 ? c.flops / (wallMs.median * 1e6) : undefined,
          gbps: c.bytes > 0 ? c.bytes / (wallMs.median * 1e6) : undefined,
          gpuGflops: c.flops > 0 && gpuMs ? c.flops / (gpuMs.median * 1e6) : undefined,
        });
        if (opts.profile) {
          const profile = rt.startProfile();
          if (inst.runAsync) await inst.runAsync();
          else inst.run();
          const rows = await profile.stop();
          base.profile = rows.slice(0, 25);
          log(formatProfile(rows, 15).replace(/^/gm, '      '));
        }
        log(
          `  ${c.name}: ${wallMs.median.toFixed(3)} ms` +
            (gpuMs ? ` (gpu ${gpuMs.median.toFixed(3)} ms)` : '') +
            (base.gflops ? `, ${base.gflops.toFixed(2)} GFLOP/s` : '') +
            (base.gbps ? `, ${base.gbps.toFixed(2)} GB/s` : ''),
        );
      } catch (err) {
        base.error = (err as Error).message;
        log(`  ${c.name}: error: ${base.error}`);
      } finally {
        instance?.dispose();
        rt.variants = savedVariants;
      }
      results.push(base);
    }
  } finally {
    timer?.uninstall();
  }
  return results;
}

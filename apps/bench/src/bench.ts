/**
 * One benchmark run: our suites in Node, the peers on the same work, our suites in Chromium,
 * then results/latest.json, results/latest.svg and BENCHMARKS.md (generated from the JSON).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './harness.js';
import { currentLoad, machineInfo, packageVersion } from './machine.js';
import { runNode } from './node-runner.js';
import { type BenchReport, renderMarkdown, renderSvg } from './report.js';
import type { AdapterInfo } from './run-suites.js';
import { findSuites } from './suites/index.js';
import type { PeerWork, RuntimeName } from './suites/types.js';

/** apps/bench, from src/bench.ts or dist/cli.js. */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(APP_DIR, 'results');
export const DEFAULT_MARKDOWN = join(APP_DIR, '..', '..', 'BENCHMARKS.md');

export type PeerName = 'tfjs' | 'ort' | 'torch';
export const ALL_PEERS: readonly PeerName[] = ['tfjs', 'ort', 'torch'];

export interface BenchOptions {
  quick?: boolean;
  /** Profile each case once after timing it (GPU time per kernel). */
  profile?: boolean;
  suites?: string[];
  runtimes?: RuntimeName[];
  /** Only cases (and peer groups) whose name contains one of these. */
  only?: string[];
  peers?: readonly PeerName[];
  outDir?: string;
  /** Where BENCHMARKS.md goes; null to skip it. */
  markdownPath?: string | null;
  command?: string;
  log?: (line: string) => void;
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const runtimes = opts.runtimes ?? ['node', 'browser'];
  const peers = opts.peers ?? ALL_PEERS;
  const quick = !!opts.quick;
  const machine = machineInfo();
  const versions: Record<string, string> = {
    node: process.version,
    webgpu: `${packageVersion('webgpu')} (Dawn)`,
    '@stylegpu/kernels': packageVersion('@stylegpu/kernels'),
  };
  const adapters: AdapterInfo[] = [];
  const results: CaseResult[] = [];
  const skipped: string[] = [];
  const common = { quick, profile: !!opts.profile, suites: opts.suites, only: opts.only, log };

  if (runtimes.includes('node')) {
    log('== Node (Dawn) ==');
    const run = await runNode(common);
    adapters.push(run.adapter);
    results.push(...run.results);
    skipped.push(...run.skipped.map((s) => `node: ${s}`));

    const work: PeerWork[] = findSuites(opts.suites)
      .flatMap((s) => s.peerWork?.(quick) ?? [])
      .filter((w) => !opts.only?.length || opts.only.some((o) => w.group.includes(o)));
    if (work.length && peers.length) {
      log('== Peers ==');
      if (peers.includes('tfjs')) {
        versions['@tensorflow/tfjs-core'] = packageVersion('@tensorflow/tfjs-core');
        versions['@tensorflow/tfjs-backend-webgpu'] = packageVersion('@tensorflow/tfjs-backend-webgpu');
        try {
          const r = await (await import('./peers/tfjs.js')).runTfjs(work, { quick, log });
          results.push(...r.results);
          if (r.note) skipped.push(r.note);
        } catch (err) {
          skipped.push(`tfjs-webgpu: ${(err as Error).message}`);
        }
      }
      if (peers.includes('ort')) {
        try {
          const r = await (await import('./peers/onnxruntime.js')).runOrt(work, { quick, log });
          versions['onnxruntime-node'] = r.version;
          results.push(...r.results);
        } catch (err) {
          skipped.push(`onnxruntime-cpu: ${(err as Error).message}`);
        }
      }
      if (peers.includes('torch')) {
        try {
          const r = await (await import('./peers/torch.js')).runTorch(work, { quick });
          if (r.version) versions.torch = `${r.version}${r.blas ? ` (${r.blas})` : ''}`;
          for (const x of r.results) log(`  ${x.name}: ${x.wallMs ? `${x.wallMs.median.toFixed(3)} ms, ${x.gflops?.toFixed(2)} GFLOP/s` : x.error}`);
          results.push(...r.results);
          if (r.note) skipped.push(r.note);
        } catch (err) {
          skipped.push(`torch-cpu: ${(err as Error).message}`);
        }
      }
    }
  }

  // The model suites' PyTorch anchors: CPU work, run whenever the torch peer is selected.
  if (peers.includes('torch')) {
    const anchors = findSuites(opts.suites)
      .flatMap((s) => s.torchAnchors?.(quick) ?? [])
      .filter((w) => !opts.only?.length || opts.only.some((o) => w.group.includes(o)));
    // Training throughput has its own PyTorch StyleGAN2 (scripts/torch_train.py); the rest use the project's references.
    const inference = anchors.filter((w) => w.kind !== 'train');
    const training = anchors.filter((w) => w.kind === 'train');
    if (inference.length) {
      log('== PyTorch CPU anchors (model suites) ==');
      try {
        const r = await (await import('./peers/torch-models.js')).runTorchModels(inference, { quick, log });
        if (r.version && !versions.torch) versions.torch = r.version;
        results.push(...r.results);
        if (r.note) skipped.push(r.note);
      } catch (err) {
        skipped.push(`torch-cpu model anchors: ${(err as Error).message}`);
      }
    }
    if (training.length) {
      log('== PyTorch CPU training peer (models-train) ==');
      try {
        const r = await (await import('./peers/torch-train.js')).runTorchTrain(training, { log });
        if (r.version && !versions.torch) versions.torch = r.version;
        if (r.defaultThreads !== undefined) versions['torch default threads'] = String(r.defaultThreads);
        results.push(...r.results);
        if (r.note) skipped.push(r.note);
      } catch (err) {
        skipped.push(`torch-cpu training peer: ${(err as Error).message}`);
      }
    }
  }

  if (runtimes.includes('browser')) {
    log('== Chromium ==');
    const { runBrowser } = await import('./browser-runner.js');
    try {
      const run = await runBrowser(common);
      versions.chromium = run.chromiumVersion;
      versions['playwright-core'] = packageVersion('playwright-core');
      adapters.push(run.adapter);
      results.push(...run.results);
      skipped.push(...run.skipped.map((s) => `browser: ${s}`));
    } catch (err) {
      skipped.push(`browser: ${(err as Error).message}`);
      log(`browser run failed: ${(err as Error).message}`);
    }
  }

  machine.loadEnd = currentLoad();
  const report: BenchReport = {
    schema: 1,
    date: new Date(started).toISOString(),
    quick,
    command: opts.command ?? 'npm run bench',
    machine,
    versions,
    adapters,
    results,
    skipped,
    durationSec: (Date.now() - started) / 1000,
  };
  writeReport(report, opts.outDir ?? DEFAULT_OUT_DIR, opts.markdownPath === undefined ? DEFAULT_MARKDOWN : opts.markdownPath);
  return report;
}

/** Writes latest.json + latest.svg into outDir and, unless null, the Markdown. */
export function writeReport(report: BenchReport, outDir: string, markdownPath: string | null): { json: string; svg: string } {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'latest.json');
  const svg = join(outDir, 'latest.svg');
  writeFileSync(json, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(svg, renderSvg(report) + '\n');
  if (markdownPath) {
    const rel = (p: string) => relative(dirname(markdownPath), p).split('\\').join('/');
    writeFileSync(markdownPath, renderMarkdown(report, rel(svg), rel(json), readMethodTables(outDir)));
  }
  return { json, svg };
}

/** The hand-run method tables: results/methods/*.md in name order (none when the folder is absent). */
export function readMethodTables(outDir: string): string[] {
  const dir = join(outDir, 'methods');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Regenerates the SVG and Markdown from a saved JSON report. */
export function regenerate(outDir = DEFAULT_OUT_DIR, markdownPath: string | null = DEFAULT_MARKDOWN): BenchReport {
  const report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchReport;
  writeReport(report, outDir, markdownPath);
  return report;
}

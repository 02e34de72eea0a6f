/**
 * npm run bench [-- --quick] [--suite kernels|models-stylegan|models-clip|models-nada|models-train] [--runtime node|browser] [--only "matmul 512"]
 *                  [--peers tfjs,ort,torch|none] [--out dir] [--markdown path] [--report-only] [--profile]
 */
import { Command, Option } from 'commander';
import { ALL_PEERS, DEFAULT_MARKDOWN, DEFAULT_OUT_DIR, type PeerName, regenerate, runBench } from './bench.js';
import { SUITES } from './suites/index.js';
import type { RuntimeName } from './suites/types.js';

const program = new Command()
  .name('stylegpu-bench')
  .description('Benchmarks the stylegpu kernels in Node (Dawn) and headless Chromium, with tfjs-webgpu, onnxruntime and PyTorch in the same run.')
  .option('--quick', 'a subset that runs in about a minute', false)
  .option('--suite <names...>', `suites to run: ${SUITES.map((s) => s.name).join(', ')} (default: all)`)
  .addOption(new Option('--runtime <runtimes...>', 'runtimes to run (default: both)').choices(['node', 'browser']))
  .option('--only <substrings...>', 'only cases whose name contains one of these')
  .option('--peers <list>', `comma-separated peers (${ALL_PEERS.join(',')}) or "none"`, ALL_PEERS.join(','))
  .option('--out <dir>', 'directory for latest.json and latest.svg', DEFAULT_OUT_DIR)
  .option('--markdown <path>', 'where to write BENCHMARKS.md ("none" to skip)', DEFAULT_MARKDOWN)
  .option('--profile', 'after timing each case, run it once more and print GPU time per kernel (needs timestamp-query)', false)
  .option('--report-only', 'regenerate the SVG and Markdown from <out>/latest.json without running', false);

program.parse();
const o = program.opts<{
  quick: boolean;
  profile: boolean;
  suite?: string[];
  runtime?: RuntimeName[];
  only?: string[];
  peers: string;
  out: string;
  markdown: string;
  reportOnly: boolean;
}>();

const markdownPath = o.markdown === 'none' ? null : o.markdown;
if (o.reportOnly) {
  regenerate(o.out, markdownPath);
  console.log(`regenerated ${o.out}/latest.svg${markdownPath ? ` and ${markdownPath}` : ''}`);
} else {
  const peers = o.peers === 'none' ? [] : o.peers.split(',').map((p) => p.trim());
  for (const p of peers) if (!ALL_PEERS.includes(p as PeerName)) throw new Error(`bench: unknown peer "${p}" (have: ${ALL_PEERS.join(', ')}, none)`);
  const report = await runBench({
    quick: o.quick,
    profile: o.profile,
    suites: o.suite,
    runtimes: o.runtime,
    only: o.only,
    peers: peers as PeerName[],
    outDir: o.out,
    markdownPath,
    command: ['npm run bench', ...process.argv.slice(2)].join(' ').replace(/^npm run bench (?=-)/, 'npm run bench -- '),
  });
  const failed = report.results.filter((r) => r.error);
  console.log(`\n${report.results.length} results in ${report.durationSec.toFixed(0)} s; ${failed.length} failed.${markdownPath ? ` Wrote ${markdownPath}.` : ''}`);
  for (const s of report.skipped) console.log(`not run: ${s}`);
  // Device handles (Dawn, tfjs) can keep the event loop alive; the report is written.
  process.exit(failed.some((r) => r.check && !r.check.ok) ? 1 : 0);
}

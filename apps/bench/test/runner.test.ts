/**
 * The bench runs end to end on tiny cases: Node (Dawn) and Chromium (Debian's, installed by
 * scripts/setup-chromium.sh from scripts/install.sh), the peers, and the report files.
 * Asserts correctness and structure only — never speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '@stylegpu/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { regenerate, runBench } from '../src/bench.js';
import { runCases } from '../src/harness.js';
import { oneNodeModel } from '../src/peers/onnx-model.js';
import type { CaseResult } from '../src/harness.js';
import type { BenchCase } from '../src/suites/types.js';

const out = mkdtempSync(join(tmpdir(), 'stylegpu-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const quiet = () => {};
const torchAvailable = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable) console.log('bench runner: the PyTorch peer test is skipped: /usr/bin/python3 cannot import torch (install Debian\'s python3-torch to run it)');


describe('bench runner', () => {
  it('runs the add/copy cases in Node and Chromium and writes JSON, SVG and Markdown', async () => {
    const md = join(out, 'BENCHMARKS.md');
    const report = await runBench({ quick: true, only: ['add', 'copy'], peers: [], outDir: out, markdownPath: md, log: quiet });

    expect(report.skipped.filter((s) => s.startsWith('browser: bench'))).toEqual([]); // Chromium was found and ran
    expect(report.adapters.map((a) => a.runtime)).toEqual(['node', 'browser']);
    for (const a of report.adapters) expect(a.description.length).toBeGreaterThan(0);
    for (const runtime of ['stylegpu-node', 'stylegpu-browser']) {
      const rows = report.results.filter((r) => r.runtime === runtime);
      expect(rows.map((r) => r.params.op).sort()).toEqual(['add', 'copyBufferToBuffer', 'copyKernel']);
      for (const r of rows) {
        expect(r.error).toBeUndefined();
        expect(r.check?.ok).toBe(true);
        expect(r.check!.samples).toBeGreaterThan(0);
        expect(r.wallMs!.median).toBeGreaterThan(0);
        expect(r.wallMs!.min).toBeLessThanOrEqual(r.wallMs!.median);
        expect(r.wallMs!.max).toBeGreaterThanOrEqual(r.wallMs!.median);
        expect(r.gbps).toBeCloseTo(r.bytes / (r.wallMs!.median * 1e6), 6);
      }
      // Both adapters here have timestamp-query: the add (a compute pass) gets GPU times, the copy does not.
      const add = rows.find((r) => r.params.op === 'add')!;
      const adapter = report.adapters.find((a) => `stylegpu-${a.runtime}` === runtime)!;
      if (adapter.timestampQuery) expect(add.gpuMs!.median).toBeGreaterThan(0);
      expect(rows.find((r) => r.params.op === 'copyBufferToBuffer')!.gpuMs).toBeNull();
      if (adapter.timestampQuery) expect(rows.find((r) => r.params.op === 'copyKernel')!.gpuMs!.median).toBeGreaterThan(0);
    }
    expect(report.versions.chromium).toMatch(/^\d+\./);

    const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    expect(json.schema).toBe(1);
    expect(json.results).toHaveLength(report.results.length);
    expect(readFileSync(join(out, 'latest.svg'), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const text = readFileSync(md, 'utf8');
    expect(text).toContain('## Suite `kernels`');
    expect(text).toContain('| case | runtime | wall ms (median) |');
    expect(text).toContain('**Bandwidth-bound kernels vs a copy**');
    expect(text).toContain('a compute-kernel copy of the same bytes');
    expect(text).toContain('](latest.svg)');

    rmSync(md);
    regenerate(out, md);
    expect(readFileSync(md, 'utf8')).toBe(text);
  });

  const peerWork = [
    { group: 'mm', kind: 'matmul' as const, M: 33, N: 17, K: 9 },
    { group: 'conv', kind: 'conv2d' as const, N: 2, C: 5, H: 7, W: 6, O: 3, k: 3, pad: 1 },
  ];
  const checkPeerResults = (results: CaseResult[]) => {
    for (const r of results) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.check?.ok, r.name).toBe(true);
      expect(r.wallMs!.median).toBeGreaterThan(0);
    }
    expect(results[1].flops).toBe(2 * 2 * 3 * 7 * 6 * 5 * 9);
  };

  it('runs the npm peers (onnxruntime, tfjs) on a small matmul and conv and checks their outputs before timing', async () => {
    const { runOrt } = await import('../src/peers/onnxruntime.js');
    const { runTfjs } = await import('../src/peers/tfjs.js');
    const ort = (await runOrt(peerWork, { quick: true })).results;
    const tfjs = (await runTfjs(peerWork, { quick: true })).results;
    expect([...ort, ...tfjs].map((r) => r.runtime)).toEqual(['onnxruntime-cpu', 'onnxruntime-cpu', 'tfjs-webgpu', 'tfjs-webgpu']);
    checkPeerResults(ort);
    checkPeerResults(tfjs);
  });

  // PyTorch is an optional peer (Debian's python3-torch for /usr/bin/python3): a user's machine may lack it.
  it.skipIf(!torchAvailable)('runs the PyTorch CPU peer when it is installed', async () => {
    const { runTorch } = await import('../src/peers/torch.js');
    const torch = await runTorch(peerWork, { quick: true });
    expect(torch.note).toBeUndefined();
    expect(torch.results.map((r) => r.runtime)).toEqual(['torch-cpu', 'torch-cpu']);
    checkPeerResults(torch.results);
  });

  it('skips the PyTorch peer with a note, not an error, when its Python is missing', async () => {
    const { runTorch } = await import('../src/peers/torch.js');
    const torch = await runTorch(peerWork, { quick: true, python: join(out, 'no-such-python') });
    expect(torch.results).toEqual([]);
    expect(torch.note).toMatch(/^torch-cpu skipped: .*no-such-python not found/);
  });

  it('reports a case whose check fails without timing it', async () => {
    const rt = await createRuntime();
    try {
      const wrong: BenchCase = {
        suite: 'test',
        group: 'g',
        name: 'always wrong',
        params: { op: 'none' },
        flops: 1,
        bytes: 4,
        setup: () => ({
          run() {},
          check: async () => ({ ok: false, maxAbsErr: 1, tolerance: 0.5, samples: 1 }),
          dispose() {},
        }),
      };
      const [r] = await runCases(rt, 'node', [wrong]);
      expect(r.error).toMatch(/^check failed/);
      expect(r.wallMs).toBeUndefined();
    } finally {
      rt.destroy();
    }
  });

  it('bundles the page with the browser entry of @stylegpu/kernels, never the Node binding', async () => {
    const { bundlePage } = await import('../src/browser-runner.js');
    const script = await bundlePage(); // the bundler refuses `webgpu` outright
    expect(script).toContain('navigator');
    expect(script).not.toMatch(/from\s*["']webgpu["']|require\(["']webgpu["']\)/);
  });

  it('names an unknown suite', async () => {
    await expect(runBench({ suites: ['nope'], runtimes: ['node'], peers: [], outDir: out, markdownPath: null, log: quiet })).rejects.toThrow(/unknown suite "nope"/);
  });

  it('writes a valid protobuf for a one-node ONNX model', () => {
    const bytes = oneNodeModel({ opType: 'MatMul', inputs: [{ name: 'A', shape: [2, 3] }], output: { name: 'C', shape: [2, 300] } });
    // ModelProto starts with ir_version (field 1, varint 8); 300 is encoded as the varint ac 02.
    expect([...bytes.slice(0, 2)]).toEqual([0x08, 8]);
    expect(Buffer.from(bytes).includes(Buffer.from([0x08, 0xac, 0x02]))).toBe(true);
  });
});

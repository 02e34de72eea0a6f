/**
 * Peer: PyTorch on the CPU, through scripts/torch_bench.py run by /usr/bin/python3 (Debian's
 * python3-torch; with libopenblas0-pthread it uses OpenBLAS). Skipped with a note if the
 * interpreter or torch is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from '../harness.js';
import type { PeerWork } from '../suites/types.js';

export const TORCH_RUNTIME = 'torch-cpu';
export const PYTHON = process.env.STYLEGPU_BENCH_PYTHON ?? '/usr/bin/python3';

function scriptPath(): string {
  // src/peers/torch.ts in tests, dist/cli.js when bundled: look upward for scripts/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'scripts', 'torch_bench.py');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('torch peer: scripts/torch_bench.py not found');
}

export async function runTorch(
  work: readonly PeerWork[],
  opts: { quick?: boolean; python?: string },
): Promise<{ results: CaseResult[]; version?: string; blas?: string; note?: string }> {
  const python = opts.python ?? PYTHON;
  if (!existsSync(python)) return { results: [], note: `torch-cpu skipped: ${python} not found` };
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, [scriptPath()], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`torch peer: ${python} exited with ${code}: ${err.slice(-500)}`))));
    child.stdin.end(JSON.stringify({ work, quick: !!opts.quick }));
  });
  const parsed = JSON.parse(text) as { error?: string; version?: string; blas?: string; results?: CaseResult[] };
  if (parsed.error) return { results: [], note: `torch-cpu skipped: ${parsed.error}` };
  return { results: parsed.results ?? [], version: parsed.version, blas: parsed.blas };
}

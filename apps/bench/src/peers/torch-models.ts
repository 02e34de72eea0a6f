/**
 * PyTorch CPU anchors of the model suites, through scripts/torch_models.py (the project's
 * independent references imported by path: packages/stylegan/reference/stylegan2_ref.py and
 * packages/clip/reference/clip_ref.py), run by /usr/bin/python3 like the torch peer. Skipped with
 * a note if the interpreter or torch is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from '../harness.js';
import type { ModelAnchorWork } from '../suites/types.js';
import { PYTHON } from './torch.js';

function scriptPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'scripts', 'torch_models.py');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('torch model anchors: scripts/torch_models.py not found');
}

export async function runTorchModels(
  work: readonly ModelAnchorWork[],
  opts: { quick?: boolean; log?: (line: string) => void },
): Promise<{ results: CaseResult[]; version?: string; note?: string }> {
  if (!existsSync(PYTHON)) return { results: [], note: `torch-cpu model anchors skipped: ${PYTHON} not found` };
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(PYTHON, [scriptPath()], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.trim()) opts.log?.(`  ${line.trim()}`);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`torch model anchors: ${PYTHON} exited with ${code}: ${err.slice(-500)}`))));
    child.stdin.end(JSON.stringify({ work, quick: !!opts.quick }));
  });
  const parsed = JSON.parse(text) as { error?: string; version?: string; results?: CaseResult[] };
  if (parsed.error) return { results: [], note: `torch-cpu model anchors skipped: ${parsed.error}` };
  return { results: parsed.results ?? [], version: parsed.version };
}

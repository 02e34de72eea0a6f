/**
 * The PyTorch CPU peer of the models-train suite: scripts/torch_train.py (its own small StyleGAN2,
 * scripts/torch_stylegan2.py) run by /usr/bin/python3 like the other torch peers. Skipped with a note
 * if the interpreter or torch is missing.
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
    const p = join(dir, 'scripts', 'torch_train.py');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('torch training peer: scripts/torch_train.py not found');
}

export interface TorchTrainRun {
  results: CaseResult[];
  version?: string;
  /** torch.get_num_threads() before the script changed it. */
  defaultThreads?: number;
  note?: string;
}

export async function runTorchTrain(work: readonly ModelAnchorWork[], opts: { python?: string; log?: (line: string) => void } = {}): Promise<TorchTrainRun> {
  const python = opts.python ?? PYTHON;
  if (!existsSync(python)) return { results: [], note: `torch-cpu training peer skipped: ${python} not found` };
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, [scriptPath()], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.trim()) opts.log?.(`  ${line.trim()}`);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`torch training peer: ${python} exited with ${code}: ${err.slice(-500)}`))));
    child.stdin.end(JSON.stringify({ work }));
  });
  const parsed = JSON.parse(text) as { error?: string; version?: string; defaultThreads?: number; results?: CaseResult[] };
  if (parsed.error) return { results: [], note: `torch-cpu training peer skipped: ${parsed.error}` };
  return { results: parsed.results ?? [], version: parsed.version, defaultThreads: parsed.defaultThreads };
}

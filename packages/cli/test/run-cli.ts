/**
 * Runs the built `stylegpu` binary (packages/cli/bin/stylegpu.js → dist/main.js) as a subprocess,
 * as a user would: exit code, stdout and stderr as they come out.
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const BIN = join(import.meta.dirname, '..', 'bin', 'stylegpu.js');
export const REPO = join(import.meta.dirname, '..', '..', '..');
const PKGS = join(REPO, 'packages');
export const FIXTURES = {
  generator: join(PKGS, 'stylegan', 'fixtures', 'g16_nvidia.pkl'),
  clip: join(PKGS, 'clip', 'fixtures', 'clip-tiny-a', 'hf'),
  /** The tiny CLIP's 814-token vocabulary. */
  vocab: join(PKGS, 'clip', 'fixtures', 'hf-tiny'),
};

/**
 * An environment in which Dawn finds no WebGPU adapter (the Vulkan loader is pointed at a driver
 * file that does not exist): a command that opens the GPU fails there with the adapter error, so a
 * test that sees a validation error instead knows the inputs were checked before the GPU was opened.
 */
export const NO_GPU_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  VK_ICD_FILENAMES: '/nonexistent/stylegpu-test-no-driver.json',
  VK_DRIVER_FILES: '/nonexistent/stylegpu-test-no-driver.json',
};

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function stylegpu(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: opts.env ?? process.env, cwd: opts.cwd, timeout: 300_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, started in the background (for runs a test interrupts). */
export function startStylegpu(args: string[], opts: SpawnOptions = {}) {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** Non-empty stderr lines. */
export const stderrLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.trim() !== '');

/** Every file and folder under `dir`, relative, sorted (to show that a failed command wrote nothing). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out.push(relative(dir, p));
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** What ran the benchmark: CPU, memory, load, package versions. */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * This machine's fp32 limit, as measured when the project was set up: 2 cores × 32 FLOP/cycle
 * (two 256-bit FMA pipes; Zen 4 double-pumps AVX-512) × 3.55 GHz measured ≈ 227 GFLOP/s.
 */
export const CPU_PEAK_GFLOPS = 227;
export const CPU_PEAK_NOTE = '2 cores × 32 fp32 FLOP/cycle (2×256-bit FMA) × 3.55 GHz measured';

export interface MachineInfo {
  cpu: string;
  logicalCpus: number;
  ramGiB: number;
  os: string;
  /** 1/5/15-minute load averages at the start and the end of the run. */
  loadStart: number[];
  loadEnd?: number[];
  peakGflops: number;
  peakNote: string;
}

function lscpuModel(): string {
  try {
    const out = execFileSync('lscpu', { encoding: 'utf8' });
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(out)?.[1]?.trim();
    const model = field('Model name');
    if (model) {
      const family = field('CPU family');
      const num = field('Model');
      const avx512 = /\bavx512f\b/.test(out) ? ', AVX-512' : /\bavx2\b/.test(out) ? ', AVX2' : '';
      return `${model}${family ? ` (family ${family} model ${num}${avx512})` : ''}`;
    }
  } catch {
    /* fall through */
  }
  return cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  try {
    const rel = execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' });
    return /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(rel)?.[1] ?? process.platform;
  } catch {
    return process.platform;
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpu: lscpuModel(),
    logicalCpus: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    loadStart: loadavg().map((x) => Math.round(x * 100) / 100),
    peakGflops: CPU_PEAK_GFLOPS,
    peakNote: CPU_PEAK_NOTE,
  };
}

export function currentLoad(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

export function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

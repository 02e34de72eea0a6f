import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/bench.js';
import type { BenchReport } from '../src/report.js';

const dir = mkdtempSync(join(tmpdir(), 'stylegpu-bench-methods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report: BenchReport = {
  schema: 1, date: '2026-12-05T00:00:00.000Z', quick: false, command: 'test', durationSec: 1, versions: {}, adapters: [], skipped: [],
  machine: { cpu: 'x', logicalCpus: 2, ramGiB: 1, os: 'x', loadStart: [0, 0, 0], peakGflops: 100, peakNote: 'x' },
  results: [],
};

describe('method tables in the report', () => {
  it('places results/methods/*.md in name order before the chart, and survives a regeneration', () => {
    const out = join(dir, 'results');
    mkdirSync(join(out, 'methods'), { recursive: true });
    writeFileSync(join(out, 'methods', 'b-inversion.md'), '## Inversion\n\n| space | PSNR |\n');
    writeFileSync(join(out, 'methods', 'a-styledomain.md'), '## StyleDomain\n\n| kind | shift |\n');
    writeFileSync(join(out, 'methods', 'notes.txt'), 'not a table');
    const md = join(dir, 'BENCHMARKS.md');
    writeReport(report, out, md);
    const text = readFileSync(md, 'utf8');
    const a = text.indexOf('## StyleDomain');
    const b = text.indexOf('## Inversion');
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(text.indexOf('## Chart')).toBeGreaterThan(b);
    expect(text).not.toContain('not a table');
  });

  it('writes no method section when the folder is absent', () => {
    const out = join(dir, 'bare');
    const md = join(dir, 'BARE.md');
    writeReport(report, out, md);
    expect(readFileSync(md, 'utf8')).not.toMatch(/## (StyleDomain|Inversion)/);
  });
});

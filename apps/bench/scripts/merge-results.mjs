// Merges partial bench reports (the slow model suites, run on their own with --out elsewhere) into
// results/latest.json: their suites' results replace the base's, their notes and versions are added,
// and each part is listed under `merged` with its command, date and load. Then regenerate the
// Markdown and SVG with `npm run bench -- --report-only`.
//   node scripts/merge-results.mjs part1/latest.json [part2/latest.json …]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const base = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'latest.json');
const report = JSON.parse(readFileSync(base, 'utf8'));
for (const path of process.argv.slice(2)) {
  const part = JSON.parse(readFileSync(path, 'utf8'));
  const suites = [...new Set(part.results.map((r) => r.suite))];
  report.results = report.results.filter((r) => !suites.includes(r.suite) || !part.results.some((q) => q.suite === r.suite && q.group === r.group && q.runtime === r.runtime));
  report.results.push(...part.results);
  const notes = part.skipped.filter((s) => suites.some((x) => s.includes(`${x}:`)) || s.startsWith('torch-cpu model') || s.startsWith('torch-cpu training'));
  report.skipped = [...new Set([...report.skipped, ...notes])];
  for (const [k, v] of Object.entries(part.versions)) report.versions[k] ??= v;
  (report.merged ??= []).push({ command: part.command, date: part.date, durationSec: part.durationSec, suites, loadStart: part.machine.loadStart, ...(part.machine.loadEnd ? { loadEnd: part.machine.loadEnd } : {}) });
}
writeFileSync(base, JSON.stringify(report, null, 1) + '\n');
console.log(`merged ${process.argv.length - 2} part(s) into ${base}: ${report.results.length} results`);

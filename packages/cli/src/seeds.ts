import { CliError } from './cli-error.js';

/**
 * `--seeds` as NVIDIA's generate.py parses it (`num_range`): a comma list of integers and
 * inclusive ranges `a-b`, e.g. `0-7,42`. Seeds must fit NumPy's RandomState (0 … 2³²−1).
 */
export function parseSeeds(text: string, what = '--seeds'): number[] {
  const out: number[] = [];
  const parts = text.split(',').map((p) => p.trim());
  const fail = (why: string, todo: string) => new CliError(what, `'${text}'`, why, todo);
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw fail(`'${part}' in '${text}' is not a seed or a range a-b`, 'write integers and ranges, for example 0-7,42');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw fail(`the range '${part}' runs backwards`, `write the smaller seed first (${b}-${a})`);
    if (b > 0xffffffff) throw fail(`${b} is over 4294967295, the largest seed NumPy's RandomState takes`, 'use seeds in 0-4294967295');
    if (b - a > 100_000) throw fail(`the range '${part}' has ${b - a + 1} seeds, surely a typo`, 'give at most 100001 seeds per range');
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/**
 * `--seeds` as NVIDIA's generate.py parses it (`num_range`): a comma list of integers and
 * inclusive ranges `a-b`, e.g. `0-7,42`. Seeds must fit NumPy's RandomState (0 … 2³²−1).
 */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--seeds: '${part}' in '${text}' is not a seed or a range a-b (example: 0-7,42)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`--seeds: range '${part}' runs backwards`);
    if (b > 0xffffffff) throw new Error(`--seeds: ${b} is over 4294967295, the largest seed NumPy's RandomState takes`);
    if (b - a > 100_000) throw new Error(`--seeds: range '${part}' has ${b - a + 1} seeds; that is surely a typo`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

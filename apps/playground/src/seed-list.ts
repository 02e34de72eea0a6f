/**
 * The seed field: a comma list of integers and inclusive ranges `a-b` (NVIDIA generate.py's
 * `--seeds`, e.g. `0-7,42`). A grid in a page is small, so the list is capped.
 */
export const MAX_GRID_SEEDS = 64;

export function parseSeedList(text: string): number[] {
  const out: number[] = [];
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('Seeds: the list is empty; write integers and ranges, for example 0-7,42');
  for (const raw of trimmed.split(',')) {
    const part = raw.trim();
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`Seeds: '${part}' is not a seed or a range a-b; write integers and ranges, for example 0-7,42`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`Seeds: the range '${part}' runs backwards; write the smaller seed first (${b}-${a})`);
    if (b > 0xffffffff) throw new Error(`Seeds: ${b} is over 4294967295, the largest seed NumPy's RandomState takes`);
    if (out.length + (b - a + 1) > MAX_GRID_SEEDS) throw new Error(`Seeds: '${trimmed}' has more than ${MAX_GRID_SEEDS} seeds; a grid shows at most ${MAX_GRID_SEEDS}`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/** Truncation ψ from its field: a finite number in [0, 2] (1: none). */
export function parseTruncation(text: string): number {
  const psi = Number(text);
  if (text.trim() === '' || !Number.isFinite(psi) || psi < 0 || psi > 2) {
    throw new Error(`Truncation ψ: '${text}' is not a number in [0, 2] (1 disables truncation, 0.7 is usual)`);
  }
  return psi;
}

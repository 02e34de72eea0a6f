// Byte-pair merging of one word in O(n log n).
//
// The textbook loop (CLIP's `bpe`) rescans the whole word for the lowest-ranked adjacent pair and
// rebuilds it after every merge: quadratic, so a 64 KB run of letters took tens of seconds. Here the
// symbols sit in a doubly linked list and every ranked adjacent pair in a min-heap ordered by
// (rank, position). The result is identical to the textbook loop because we keep its rounds: all
// occurrences of the lowest-ranked pair present when the round starts are merged left to right
// (non-overlapping) before any pair formed during the round is considered, even one ranked lower.

/** Looks up a pair's merge rank; undefined when the pair never merges. */
export type PairRank = (left: string, right: string) => number | undefined;

/** Merges `symbols` (the word's characters, the last one already carrying "</w>") in place of a copy. */
export function bytePairMerge(symbols: readonly string[], rankOf: PairRank): string[] {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const symbol = symbols.slice();
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap();
  for (let i = 0; i + 1 < n; i++) {
    const rank = rankOf(symbol[i], symbol[i + 1]);
    if (rank !== undefined) heap.push(rank, i);
  }
  const round: number[] = [];
  while (heap.size > 0) {
    const rank = heap.topRank();
    round.length = 0;
    while (heap.size > 0 && heap.topRank() === rank) round.push(heap.pop());
    // Positions come out ascending, so this is the reference's left-to-right scan.
    for (const left of round) {
      if (!alive[left]) continue;
      const right = next[left];
      // Stale entries (a neighbour merged since the push) no longer form this pair: ranks are
      // unique per pair, so comparing the rank is comparing the pair.
      if (right < 0 || rankOf(symbol[left], symbol[right]) !== rank) continue;
      symbol[left] += symbol[right];
      alive[right] = 0;
      const after = next[right];
      next[left] = after;
      if (after >= 0) prev[after] = left;
      const before = prev[left];
      if (before >= 0) {
        const r = rankOf(symbol[before], symbol[left]);
        if (r !== undefined) heap.push(r, before);
      }
      if (after >= 0) {
        const r = rankOf(symbol[left], symbol[after]);
        if (r !== undefined) heap.push(r, left);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(symbol[i]);
  return out;
}

/** A binary min-heap of (rank, position) entries, ordered by rank then position. */
class PairHeap {
  private ranks: number[] = [];
  private positions: number[] = [];

  get size(): number {
    return this.ranks.length;
  }

  topRank(): number {
    return this.ranks[0];
  }

  push(rank: number, position: number): void {
    const ranks = this.ranks;
    const positions = this.positions;
    let i = ranks.length;
    ranks.push(rank);
    positions.push(position);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(rank, position, ranks[parent], positions[parent])) break;
      ranks[i] = ranks[parent];
      positions[i] = positions[parent];
      i = parent;
    }
    ranks[i] = rank;
    positions[i] = position;
  }

  /** Removes the smallest entry and returns its position. */
  pop(): number {
    const ranks = this.ranks;
    const positions = this.positions;
    const top = positions[0];
    const lastRank = ranks.pop()!;
    const lastPosition = positions.pop()!;
    const n = ranks.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(ranks[r], positions[r], ranks[l], positions[l]) ? r : l;
      if (!less(ranks[c], positions[c], lastRank, lastPosition)) break;
      ranks[i] = ranks[c];
      positions[i] = positions[c];
      i = c;
    }
    ranks[i] = lastRank;
    positions[i] = lastPosition;
    return top;
  }
}

function less(rankA: number, positionA: number, rankB: number, positionB: number): boolean {
  return rankA < rankB || (rankA === rankB && positionA < positionB);
}

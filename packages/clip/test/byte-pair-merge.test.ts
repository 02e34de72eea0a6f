import { mulberry32 } from '@stylegpu/kernels/testing';
import { describe, expect, it } from 'vitest';
import { bytePairMerge } from '../src/byte-pair-merge.js';

// The textbook loop CLIP's simple_tokenizer runs: find the lowest-ranked adjacent pair, merge all of
// its non-overlapping occurrences left to right, repeat. Quadratic, but obviously right.
function referenceMerge(word: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let symbols = word.slice();
  for (;;) {
    let best: [string, string] | undefined;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) [bestRank, best] = [rank, [symbols[i], symbols[i + 1]]];
    }
    if (!best) return symbols;
    const out: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i + 1 < symbols.length && symbols[i] === best[0] && symbols[i + 1] === best[1]) out.push(symbols[i] + symbols[++i]);
      else out.push(symbols[i]);
    }
    symbols = out;
  }
}

/** Random merges over a small alphabet, each joining tokens that exist by then (as real BPE files do). */
function randomMerges(next: () => number, alphabet: readonly string[], count: number): Map<string, number> {
  const tokens = [...alphabet, ...alphabet.map((c) => c + '</w>')];
  const ranks = new Map<string, number>();
  while (ranks.size < count) {
    const first = tokens[Math.floor(next() * tokens.length)];
    const second = tokens[Math.floor(next() * tokens.length)];
    // "</w>" only ever ends a word, so a left part carrying it cannot merge.
    if (first.endsWith('</w>')) continue;
    const key = `${first} ${second}`;
    if (ranks.has(key)) continue;
    ranks.set(key, ranks.size);
    tokens.push(first + second);
  }
  return ranks;
}

function word(next: () => number, alphabet: readonly string[], length: number): string[] {
  const symbols = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]);
  symbols[length - 1] += '</w>';
  return symbols;
}

describe('bytePairMerge', () => {
  it('matches the textbook merge loop on random vocabularies and words (fresh seed each run)', () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const next = mulberry32(seed);
    // Few letters and many merges, so new pairs that outrank the current one, runs of equal symbols
    // and competing overlaps all occur often.
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = 'abcd'.slice(0, 2 + Math.floor(next() * 3)).split('');
      const ranks = randomMerges(next, alphabet, 5 + Math.floor(next() * 60));
      const rankOf = (a: string, b: string) => ranks.get(`${a} ${b}`);
      for (let w = 0; w < 10; w++) {
        const symbols = word(next, alphabet, 1 + Math.floor(next() * 40));
        expect(bytePairMerge(symbols, rankOf), `seed ${seed}, trial ${trial}, word ${symbols.join(' ')}`).toEqual(referenceMerge(symbols, ranks));
      }
    }
  });

  it('keeps the rounds of the textbook loop when a merge forms a pair that outranks the current one', () => {
    // Round of "a b" (rank 2) in "a b a b x": merging the first occurrence forms "ab a", which
    // outranks it (rank 0). The textbook loop still merges the second "a b" in the same round, so
    // "ab a" never gets its turn and "ab ab" (rank 3) follows; merging "ab a" at once would give "aba b x".
    const ranks = new Map([['ab a', 0], ['x y', 1], ['a b', 2], ['ab ab', 3]]);
    const symbols = ['a', 'b', 'a', 'b', 'x</w>'];
    expect(referenceMerge(symbols, ranks)).toEqual(['abab', 'x</w>']);
    expect(bytePairMerge(symbols, (a, b) => ranks.get(`${a} ${b}`))).toEqual(['abab', 'x</w>']);
  });

  it('does O(n) rank look-ups, not O(n²): a 200 000-symbol word', () => {
    const next = mulberry32(7);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz'.split('');
    const ranks = randomMerges(next, alphabet, 2000);
    let lookups = 0;
    const rankOf = (a: string, b: string) => {
      lookups++;
      return ranks.get(`${a} ${b}`);
    };
    const n = 200_000;
    const symbols = word(next, alphabet, n);
    const out = bytePairMerge(symbols, rankOf);
    expect(out.join('')).toBe(symbols.join(''));
    expect(out.length).toBeLessThan(n);
    // Initial pairs (n - 1), then per merge at most one validation and two new neighbours.
    expect(lookups).toBeLessThanOrEqual(4 * n);
  });

  it('handles one and two symbols', () => {
    expect(bytePairMerge(['a</w>'], () => 0)).toEqual(['a</w>']);
    expect(bytePairMerge(['a', 'b</w>'], (a, b) => (a === 'a' && b === 'b</w>' ? 0 : undefined))).toEqual(['ab</w>']);
  });
});

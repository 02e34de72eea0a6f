/**
 * `@stylegpu/io/testing`: the seeded byte-mutation fuzz harness the packages' tests share, and its
 * seeded generator (no GPU needed).
 */
export * from './seeded-random.js';
export * from './fuzz.js';

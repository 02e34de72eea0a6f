/**
 * `@stylegpu/io/testing`: the seeded byte-mutation fuzz harness the packages' tests share (no GPU needed).
 */
export * from './fuzz.js';

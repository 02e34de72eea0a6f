// The C1 range (0x80–0x9F) read as Windows-1252, which is what browsers do with it.
// Both Python's html.unescape (for &#128;-style references) and ftfy's fix_c1_controls use this
// mapping; the five bytes Windows-1252 leaves undefined map to themselves ("sloppy" decoding).

const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** The character Windows-1252 gives to byte `code` (0x80 ≤ code ≤ 0x9F). */
export function windows1252C1(code: number): string {
  return WINDOWS_1252_C1[code - 0x80];
}

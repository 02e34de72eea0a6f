// The text clean-up CLIP runs before tokenizing: `ftfy.fix_text`, `html.unescape` twice, strip,
// whitespace collapse, lower-case.
//
// What of ftfy (checked against ftfy 6.3.1 with its default settings) is reproduced:
// - processing line by line, and its "auto" HTML rule: entity decoding stops for the rest of the
//   text from the first line that contains '<';
// - its own entity decoding (semicolon-terminated HTML5 names, numeric references, and the
//   ALL-CAPS variants of lower-case names such as "&EACUTE;");
// - C1 controls read as Windows-1252, Latin ligatures and digraphs split (ﬁ → fi, ǆ → dž),
//   fullwidth/halfwidth forms and U+3000 to their ordinary forms, curly quotes straightened,
//   line breaks unified, lone surrogates to U+FFFD, ANSI terminal escapes and invisible
//   control characters removed, NFC normalisation; repeated until nothing changes.
// What is not: ftfy's mojibake detection and repair (`fix_encoding`, with `restore_byte_a0`,
// `replace_lossy_sequences`, `decode_inconsistent_utf8`). Text that was decoded with the wrong
// codec (e.g. "cafÃ©") is tokenized as written instead of as "café". Its segment length limit is
// counted in UTF-16 units here, in code points in Python; it only matters past a million.

import { htmlNamedReferences, htmlUnescape } from './html-unescape.js';
import { windows1252C1 } from './windows-1252.js';

// Python's str.isspace() / re's \s: what CLIP's strip() and whitespace collapse remove.
// (JS's \s differs: it lacks U+001C–U+001F and U+0085 and adds U+FEFF.)
export const PYTHON_WHITESPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+`, 'g');
const LEADING_OR_TRAILING_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]+|[${PYTHON_WHITESPACE_CLASS}]+$`, 'g');

const LATIN_LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn',
  '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz',
  '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e',
  '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj',
  '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj',
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st',
};
const LIGATURE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const WIDE_OR_NARROW_FORM = /[\u3000\uff01-\uffef]/g;
const C1_CONTROL = /[\x80-\x9f]/g;
const SINGLE_CURLY_QUOTE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_CURLY_QUOTE = /[\u201c-\u201f]/g;
const LINE_BREAK = /\r\n|[\r\u2028\u2029\x85]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Python's \d here is any Unicode decimal digit, hence \p{Nd}.
const TERMINAL_ESCAPE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu;
const INVISIBLE_CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
// ftfy only decodes references of this shape, so "AT&T;" style text is left alone.
const FTFY_REFERENCE = /&#?[0-9A-Za-z]{1,24};/g;
const MAX_SEGMENT_LENGTH = 1_000_000;

let ftfyEntities: ReadonlyMap<string, string> | undefined;

/** ftfy's entity table: "&name;" forms, plus upper-cased lower-case names that mean nothing else. */
function ftfyEntityTable(): ReadonlyMap<string, string> {
  if (ftfyEntities) return ftfyEntities;
  const table = new Map<string, string>();
  for (const [name, value] of htmlNamedReferences()) {
    if (!name.endsWith(';')) continue;
    table.set(`&${name}`, value);
    if (name === name.toLowerCase()) {
      const upper = `&${name.toUpperCase()}`;
      if (htmlUnescape(upper) === upper) table.set(upper, value.toUpperCase());
    }
  }
  ftfyEntities = table;
  return table;
}

let widthMap: ReadonlyMap<string, string> | undefined;

function normalWidth(character: string): string {
  if (!widthMap) {
    const table = new Map<string, string>([['\u3000', ' ']]);
    for (let code = 0xff01; code < 0xfff0; code++) {
      const form = String.fromCharCode(code);
      const ordinary = form.normalize('NFKC');
      if (ordinary !== form) table.set(form, ordinary);
    }
    widthMap = table;
  }
  return widthMap.get(character) ?? character;
}

function ftfyUnescape(text: string): string {
  return text.replace(FTFY_REFERENCE, (reference) => {
    const named = ftfyEntityTable().get(reference);
    if (named !== undefined) return named;
    if (reference.startsWith('&#')) {
      const decoded = htmlUnescape(reference);
      // A partial decode (e.g. "&#12ab;") leaves the ';' behind; ftfy keeps the original then.
      return decoded.includes(';') ? reference : decoded;
    }
    return reference;
  });
}

function fixSegment(segment: string, unescapeHtml: boolean): string {
  let text = segment;
  for (;;) {
    const before = text;
    if (unescapeHtml) text = ftfyUnescape(text);
    text = text
      .replace(C1_CONTROL, (c) => windows1252C1(c.charCodeAt(0)))
      .replace(LIGATURE, (c) => LATIN_LIGATURES[c] ?? c)
      .replace(WIDE_OR_NARROW_FORM, normalWidth)
      .replace(DOUBLE_CURLY_QUOTE, '"')
      .replace(SINGLE_CURLY_QUOTE, "'")
      .replace(LINE_BREAK, '\n')
      .replace(LONE_SURROGATE, '\ufffd')
      .replace(TERMINAL_ESCAPE, '')
      .replace(INVISIBLE_CONTROL, '')
      .normalize('NFC');
    if (text === before) return text;
  }
}

/** The part of `ftfy.fix_text` (default settings) that CLIP prompts depend on; see file header. */
export function fixText(text: string): string {
  let unescapeHtml = true;
  let fixed = '';
  let position = 0;
  while (position < text.length) {
    let end = text.indexOf('\n', position) + 1;
    if (end === 0) end = text.length;
    end = Math.min(end, position + MAX_SEGMENT_LENGTH);
    const segment = text.slice(position, end);
    // ftfy's "auto" mode: text with '<' may be HTML source, so from here on leave entities be.
    if (segment.includes('<')) unescapeHtml = false;
    fixed += fixSegment(segment, unescapeHtml);
    position = end;
  }
  return fixed;
}

function stripPythonWhitespace(text: string): string {
  return text.replace(LEADING_OR_TRAILING_WHITESPACE, '');
}

/** CLIP's `whitespace_clean(basic_clean(text)).lower()`: the exact string that gets tokenized. */
export function cleanClipText(text: string): string {
  const basic = stripPythonWhitespace(htmlUnescape(htmlUnescape(fixText(text))));
  return stripPythonWhitespace(basic.replace(WHITESPACE_RUN, ' ')).toLowerCase();
}

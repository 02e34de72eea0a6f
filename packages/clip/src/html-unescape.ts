// Python's `html.unescape`, which CLIP applies twice to every prompt.
//
// Follows the HTML5 rules Python implements: named references from the full WHATWG table, the
// legacy names that may omit ';' (so "&ampfoo" becomes "&foo" by longest known prefix), decimal
// and hex references with the Windows-1252 remapping of 0x80–0x9F, U+FFFD for surrogates and
// out-of-range values, and removal of references to disallowed code points.

import { HTML5_NAMED_REFERENCES } from './html-entities.js';
import { windows1252C1 } from './windows-1252.js';

let namedReferences: ReadonlyMap<string, string> | undefined;

/** The named-reference table as a Map, so names like "constructor" can't hit Object.prototype. */
export function htmlNamedReferences(): ReadonlyMap<string, string> {
  namedReferences ??= new Map(Object.entries(HTML5_NAMED_REFERENCES));
  return namedReferences;
}

// Code points a numeric reference may not produce; they decode to nothing.
function isDisallowedCodePoint(code: number): boolean {
  return (
    (code >= 0x01 && code <= 0x08) ||
    code === 0x0b ||
    (code >= 0x0e && code <= 0x1f) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe
  );
}

function decodeNumericReference(code: number): string {
  if (code === 0x00) return '\ufffd';
  if (code === 0x0d) return '\r';
  if (code >= 0x80 && code <= 0x9f) return windows1252C1(code);
  if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff || !Number.isFinite(code)) return '\ufffd';
  if (isDisallowedCodePoint(code)) return '';
  return String.fromCodePoint(code);
}

function decodeNamedReference(body: string): string {
  const table = htmlNamedReferences();
  const exact = table.get(body);
  if (exact !== undefined) return exact;
  // Legacy names may run into following text: take the longest prefix that is a known name.
  for (let length = body.length - 1; length > 1; length--) {
    const prefixValue = table.get(body.slice(0, length));
    if (prefixValue !== undefined) return prefixValue + body.slice(length);
  }
  return `&${body}`;
}

// Same alternatives as Python's `html._charref`; 'u' so {1,32} counts code points as Python does.
const CHARACTER_REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/** Decodes HTML character references exactly as Python's `html.unescape` does. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARACTER_REFERENCE, (_match, body: string) => {
    if (body[0] !== '#') return decodeNamedReference(body);
    const hex = body[1] === 'x' || body[1] === 'X';
    const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
    return decodeNumericReference(parseInt(digits, hex ? 16 : 10));
  });
}
